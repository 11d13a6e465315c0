namespace GpuSharing.TestSupport;

/// <summary>
/// The shared fixtures live at <c>../shared/fixtures</c> from the repository root (the folder with Orleans.sln);
/// <c>GPU_SHARING_FIXTURES</c> overrides the location.
/// </summary>
public static class Fixtures
{
    private static readonly Lazy<string> RepositoryRootPath = new(FindRepositoryRoot);

    public static string RepositoryRoot => RepositoryRootPath.Value;

    public static string Root =>
        Environment.GetEnvironmentVariable("GPU_SHARING_FIXTURES") is { Length: > 0 } overridden
            ? overridden
            : Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "fixtures"));

    public static string AmdSmiDirectory => Path.Combine(Root, "amd-smi");

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    public static string AmdSmi(string fileName) =>
        File.ReadAllText(File.Exists(Path.Combine(AmdSmiDirectory, fileName))
            ? Path.Combine(AmdSmiDirectory, fileName)
            : Path.Combine(AmdSmiDirectory, "DERIVED_not_captured", fileName));

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Orleans.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No Orleans.sln above {AppContext.BaseDirectory}.");
    }
}

using System.Diagnostics;

namespace GpuSharing.TestSupport;

/// <summary>
/// The README's first command, <c>./run.sh</c>, as a test runs it: the build the tests use (<c>CONFIGURATION</c>), a
/// run directory and ports of its own, so that it never meets a developer's own <c>./run.sh</c> or another test's.
/// </summary>
public static class RunScript
{
    /// <summary>A fresh run directory and free ports for every service run.sh starts.</summary>
    public static Dictionary<string, string> IsolatedSettings(string runDirectory) => new()
    {
        ["RUN_DIR"] = runDirectory,
        ["GATEWAY_PORT"] = $"{FreePorts.Next()}",
        ["SILO_HTTP_PORT"] = $"{FreePorts.Next()}",
        ["SILO_PORT"] = $"{FreePorts.Next()}",
        ["SILO_GATEWAY_PORT"] = $"{FreePorts.Next()}",
        ["AZURITE_BLOB_PORT"] = $"{FreePorts.Next()}",
        ["AZURITE_QUEUE_PORT"] = $"{FreePorts.Next()}",
        ["AZURITE_TABLE_PORT"] = $"{FreePorts.Next()}",
        ["PROMETHEUS_PORT"] = $"{FreePorts.Next()}",
    };

    /// <summary>Runs <c>./run.sh</c> with <paramref name="arguments"/> and <paramref name="settings"/> in its environment; its exit code and everything it printed.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken, params string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(Fixtures.RepositoryRoot, "run.sh"))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Fixtures.RepositoryRoot,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["CONFIGURATION"] = BuildConfiguration;
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromMinutes(3), cancellationToken);
        return (process.ExitCode, await output + await error);
    }

    /// <summary>The ends of the silo's and the gateway's logs in a run directory, for a failure's message.</summary>
    public static string Logs(string runDirectory) => string.Join("\n", new[] { "silo.log", "gateway.log" }.Select(f => Path.Combine(runDirectory, f))
        .Where(File.Exists).Select(f => $"===== {Path.GetFileName(f)} =====\n{Tail(File.ReadAllText(f))}"));

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];

    /// <summary>The configuration the tests were built in (Release under test.sh), which run.sh then runs without building.</summary>
    public static string BuildConfiguration => new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent?.Name ?? "Debug";
}

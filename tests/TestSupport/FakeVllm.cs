using System.Text.Json.Nodes;

namespace GpuSharing.TestSupport;

/// <summary>
/// The FAKE vllm executable (tests/Fakes/FakeVllm) and the log it appends to: one JSON line per start, with its
/// arguments, its device environment and its process id.
/// </summary>
public sealed class FakeVllm : IDisposable
{
    public const string LogVariable = "FAKE_VLLM_LOG";

    public FakeVllm()
    {
        LogPath = Path.Combine(Path.GetTempPath(), $"fake-vllm-{Guid.NewGuid():N}.log");
    }

    /// <summary>The built fake executable, named <c>vllm</c>, of the same build configuration as the tests.</summary>
    public static string ExecutablePath
    {
        get
        {
            var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent?.Name ?? "Debug";
            var path = Path.Combine(Fixtures.RepositoryRoot, "tests", "Fakes", "FakeVllm", "bin", configuration, "net10.0", "vllm");
            return File.Exists(path) ? path : throw new FileNotFoundException($"Build tests/Fakes/FakeVllm first: {path} is missing.");
        }
    }

    public string LogPath { get; }

    /// <summary>Every start so far, oldest first.</summary>
    public IReadOnlyList<JsonObject> Starts
    {
        get
        {
            try
            {
                return File.Exists(LogPath) ? [.. File.ReadAllLines(LogPath).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject())] : [];
            }
            catch (IOException)
            {
                return []; // being written: read again
            }
        }
    }

    public void Dispose() => File.Delete(LogPath);
}

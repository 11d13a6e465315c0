namespace GpuSharing.EndToEnd.Tests;

/// <summary>
/// One local system for the whole assembly, started by <c>./run.sh --no-build</c> as a user starts it (Azurite, a silo
/// with two simulated MI300X and a SIMULATED inference server per replica, the gateway), on ports of its own; Prometheus
/// off (the integration tests cover it), compute changes slowed to 3 s. Stopped with <c>./run.sh stop</c>.
/// </summary>
public sealed class LocalSystem : IAsyncLifetime
{
    private readonly Dictionary<string, string> _settings;
    private readonly string _runDirectory;

    public LocalSystem()
    {
        _runDirectory = Directory.CreateTempSubdirectory("local-system-").FullName;
        _settings = RunScript.IsolatedSettings(_runDirectory);
        _settings["PROMETHEUS"] = "off";

        // Each step of the simulated device takes seconds, as on a real GPU, so that a page polling every 1.5 s sees a
        // repartition in progress (the silo run.sh starts inherits the environment).
        _settings["GpuSharing__Node__SimulatedComputeDelay"] = "00:00:03";
    }

    public Uri Gateway => new($"http://127.0.0.1:{_settings["GATEWAY_PORT"]}");

    public HttpClient Http { get; private set; } = null!;

    /// <summary>What run.sh printed when it started.</summary>
    public string StartOutput { get; private set; } = string.Empty;

    public async ValueTask InitializeAsync()
    {
        var (exitCode, output) = await RunScript.RunAsync(_settings, TestContext.Current.CancellationToken, "--no-build");
        StartOutput = output;
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"./run.sh exited with {exitCode}:\n{output}");
        }

        Http = new HttpClient { BaseAddress = Gateway, Timeout = TimeSpan.FromSeconds(60) };
    }

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        await RunScript.RunAsync(_settings, CancellationToken.None, "stop");
        Directory.Delete(_runDirectory, recursive: true);
    }

    /// <summary>A Ready GPU nobody holds a reservation on — one a test may repartition — as <c>node/index</c> with its compute mode.</summary>
    public async Task<(string Id, string ComputeMode)> FreeGpuAsync(CancellationToken cancellationToken)
    {
        var gpus = JsonNode.Parse(await Http.GetStringAsync("/api/v1/gpus", cancellationToken))!.AsArray();
        var free = gpus.FirstOrDefault(g => g!["state"]!.GetValue<string>() == "Ready" && g["partitions"]!.AsArray().All(p => p!["reservedBytes"]!.GetValue<long>() == 0))
            ?? throw new InvalidOperationException($"no free GPU to repartition: {gpus.ToJsonString()}");
        return ($"{free["node"]}/{free["index"]}", free["computeMode"]!.GetValue<string>());
    }

    /// <summary>The logs of the silo and the gateway, for a failure's message.</summary>
    public string Logs() => RunScript.Logs(_runDirectory);
}

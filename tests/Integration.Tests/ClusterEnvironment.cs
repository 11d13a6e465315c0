using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GpuSharing.Integration.Tests;

/// <summary>
/// A running system for one test: silo processes and a gateway process, sharing a cluster id. By default one
/// all-in-one silo whose node reads the FAKE amd-smi executable, memory storage and localhost clustering.
/// </summary>
public sealed class ClusterEnvironment : IAsyncDisposable
{
    private readonly List<ServiceProcess> _processes = [];

    private ClusterEnvironment(string clusterId, IReadOnlyDictionary<string, string> common)
    {
        ClusterId = clusterId;
        Common = common;
    }

    public string ClusterId { get; }

    public IReadOnlyDictionary<string, string> Common { get; }

    public ServiceProcess? Gateway { get; private set; }

    public HttpClient Http { get; private set; } = null!;

    public IReadOnlyList<ServiceProcess> Processes => _processes;

    /// <summary>One all-in-one silo on node <c>node-1</c> reading <paramref name="device"/> through the fake amd-smi, and a gateway.</summary>
    public static async Task<ClusterEnvironment> StartWithFakeAmdSmiAsync(FakeAmdSmiDevice device, IReadOnlyDictionary<string, string>? siloSettings = null, IReadOnlyDictionary<string, string>? gatewaySettings = null)
    {
        var environment = Create(new Dictionary<string, string> { ["GpuSharing:Storage"] = "memory", ["GpuSharing:Clustering"] = "localhost" });
        var siloGatewayPort = FreePorts.Next();
        var settings = new Dictionary<string, string>
        {
            ["GpuSharing:Silo:Role"] = "all",
            ["GpuSharing:Silo:SiloPort"] = $"{FreePorts.Next()}",
            ["GpuSharing:Silo:GatewayPort"] = $"{siloGatewayPort}",
            ["GpuSharing:Node:Name"] = "node-1",
            ["GpuSharing:Node:Backend"] = "amd-smi",
            ["GpuSharing:AmdSmi:Path"] = FakeAmdSmiDevice.ExecutablePath,
            ["GpuSharing:AmdSmi:Environment:FAKE_AMDSMI_STATE"] = device.StatePath,
        };
        foreach (var (key, value) in siloSettings ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        await environment.StartSiloAsync("silo", settings);
        var gateway = new Dictionary<string, string> { ["GpuSharing:Gateway:SiloGatewayPorts:0"] = $"{siloGatewayPort}" };
        foreach (var (key, value) in gatewaySettings ?? new Dictionary<string, string>())
        {
            gateway[key] = value;
        }

        await environment.StartGatewayAsync(gateway);
        return environment;
    }

    /// <summary>An empty environment whose processes share <paramref name="common"/> settings (storage, clustering, connection string) and a cluster id (a fresh one unless given).</summary>
    public static ClusterEnvironment Create(IReadOnlyDictionary<string, string> common, string? clusterId = null)
    {
        clusterId ??= $"test-{Guid.NewGuid():N}"[..17];
        var settings = new Dictionary<string, string>(common)
        {
            ["GpuSharing:Cluster:ClusterId"] = clusterId,
            ["GpuSharing:Cluster:ServiceId"] = clusterId,
        };
        return new ClusterEnvironment(clusterId, settings);
    }

    public async Task<ServiceProcess> StartSiloAsync(string name, IReadOnlyDictionary<string, string> settings, int? httpPort = null)
    {
        var process = ServiceProcess.Start("Silo", name, httpPort ?? FreePorts.Next(), Merge(settings));
        _processes.Add(process);
        await process.WaitReadyAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        return process;
    }

    public async Task<ServiceProcess> StartGatewayAsync(IReadOnlyDictionary<string, string> settings, bool waitReady = true)
    {
        Gateway = ServiceProcess.Start("Gateway", "gateway", FreePorts.Next(), Merge(settings));
        _processes.Add(Gateway);
        Http = new HttpClient { BaseAddress = Gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (waitReady)
        {
            await Gateway.WaitReadyAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        }

        return Gateway;
    }

    public async Task<JsonNode> GetJsonAsync(string path)
    {
        HttpResponseMessage response;
        try
        {
            response = await Http.GetAsync(path, TestContext.Current.CancellationToken);
        }
        catch (TaskCanceledException ex) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            // A request that hangs until the client gives up: say what every process said meanwhile.
            throw new TimeoutException($"GET {path} got no answer within {Http.Timeout}.\n{Logs()}", ex);
        }

        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"GET {path} → {(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!;
    }

    public Task<HttpResponseMessage> PutPartitioningAsync(string node, int gpu, object body) =>
        Http.PutAsJsonAsync($"/api/v1/gpus/{node}/{gpu}/partitioning", body, TestContext.Current.CancellationToken);

    /// <summary>Polls the GPU's partitioning operation until it is no longer running.</summary>
    public async Task<JsonNode> WaitForOperationAsync(string node, int gpu, TimeSpan? timeout = null)
    {
        async Task<(JsonNode Operation, JsonNode? NodeOperation)> ReadAsync(CancellationToken _) =>
            (await GetJsonAsync($"/api/v1/gpus/{node}/{gpu}/partitioning"), (await GetJsonAsync($"/api/v1/nodes/{node}"))["operation"]);

        var ended = await Eventually.UntilAsync(
            ReadAsync,
            read => read.Operation["status"]!.GetValue<string>() != "Running" && read.NodeOperation?["status"]?.GetValue<string>() != "Running",
            timeout ?? TimeSpan.FromSeconds(60),
            read => $"The operation on {node}/{gpu} did not end: {read.Operation?.ToJsonString()}\n{Logs()}",
            interval: TimeSpan.FromMilliseconds(250),
            cancellationToken: TestContext.Current.CancellationToken);
        return ended.Operation;
    }

    /// <summary>
    /// Polls <paramref name="path"/> until <paramref name="condition"/> holds. While silos come and go the control plane
    /// may answer 503 (or a request may find the gateway reconnecting): that is an answer to wait past, not a failure.
    /// </summary>
    public async Task<JsonNode> WaitForAsync(string path, Func<JsonNode, bool> condition, TimeSpan timeout)
    {
        JsonNode? last = null;
        var lastStatus = 0;
        async Task<JsonNode?> ReadAsync(CancellationToken cancellationToken)
        {
            using var response = await Http.GetAsync(path, cancellationToken);
            lastStatus = (int)response.StatusCode;
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            Assert.True(response.IsSuccessStatusCode || lastStatus >= 500, $"GET {path} → {lastStatus}: {body}");
            return response.IsSuccessStatusCode ? last = JsonNode.Parse(body)! : null; // a 503 is waited past
        }

        return (await Eventually.UntilAsync(
            ReadAsync,
            node => node is not null && condition(node),
            timeout,
            _ => $"{path} never matched (last status {lastStatus}); last: {last?.ToJsonString(new JsonSerializerOptions { WriteIndented = true })}\n{Logs()}",
            transient: ex => ex is HttpRequestException, // the gateway is reconnecting
            interval: TimeSpan.FromMilliseconds(250),
            cancellationToken: TestContext.Current.CancellationToken))!;
    }

    public string Logs() => string.Join("\n", _processes.Select(p => $"===== {p.Name} =====\n{Tail(p.Output)}"));

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }
    }

    private static string Tail(string output) => output.Length <= 6000 ? output : output[^6000..];

    private Dictionary<string, string> Merge(IReadOnlyDictionary<string, string> settings)
    {
        var merged = new Dictionary<string, string>(Common);
        foreach (var (key, value) in settings)
        {
            merged[key] = value;
        }

        return merged;
    }
}

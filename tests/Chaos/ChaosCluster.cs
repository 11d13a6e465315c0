using GpuSharing.TestSupport;

namespace GpuSharing.Chaos;

/// <summary>
/// The system under chaos, as processes on loopback: Azurite keeping its data on disk, reached through a proxy that
/// can cut it off, two control silos, two node silos with two simulated MI300X each (their devices kept in files, as a
/// real device keeps its layout across a silo restart), and a gateway. Silos are killed with SIGKILL and restarted
/// with the settings they had.
/// </summary>
public sealed class ChaosCluster : IAsyncDisposable
{
    private readonly Dictionary<string, Dictionary<string, string>> _settings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ServiceProcess> _running = new(StringComparer.Ordinal);
    private readonly List<ServiceProcess> _exited = [];
    private readonly string _directory;

    private ChaosCluster(AzuriteServer storage, TcpChaosProxy? storagePath, string directory, Dictionary<string, string> common)
    {
        Storage = storage;
        StoragePath = storagePath;
        _directory = directory;
        Common = common;
    }

    public static IReadOnlyList<string> ControlSilos { get; } = ["control-1", "control-2"];

    public static IReadOnlyList<string> NodeSilos { get; } = ["node-a", "node-b"];

    public AzuriteServer Storage { get; }

    /// <summary>The proxy every process reaches Azure Table storage through (null when Azurite is not ours).</summary>
    public TcpChaosProxy? StoragePath { get; }

    public IReadOnlyDictionary<string, string> Common { get; }

    public HttpClient Http { get; private set; } = null!;

    public Uri GatewayAddress { get; private set; } = null!;

    public static async Task<ChaosCluster> StartAsync(TimeSpan reconciliationInterval, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("gpu-sharing-chaos-").FullName;
        var storage = await AzuriteServer.StartPersistentAsync(Path.Combine(directory, "azurite"), cancellationToken);
        var proxy = storage.IsPrivate ? TcpChaosProxy.Start(FreePorts.Next(), storage.TablePort) : null;
        var connection = proxy is null ? storage.ConnectionString : storage.ConnectionString.Replace($":{storage.TablePort}/", $":{proxy.Port}/", StringComparison.Ordinal);
        var clusterId = $"chaos-{Guid.NewGuid():N}"[..16];
        var common = new Dictionary<string, string>
        {
            ["GpuSharing:Storage"] = "azure",
            ["GpuSharing:Clustering"] = "azure",
            ["ConnectionStrings:AzureStorage"] = connection,
            ["GpuSharing:Cluster:ClusterId"] = clusterId,
            ["GpuSharing:Cluster:ServiceId"] = clusterId,
            ["GpuSharing:Silo:FastFailureDetection"] = "true",
            ["GpuSharing:Placement:ReconciliationInterval"] = reconciliationInterval.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        };
        var cluster = new ChaosCluster(storage, proxy, directory, common);
        foreach (var name in ControlSilos)
        {
            cluster._settings[name] = Silo("control");
        }

        foreach (var name in NodeSilos)
        {
            var settings = Silo("node");
            settings["GpuSharing:Node:Name"] = name;
            settings["GpuSharing:Node:Backend"] = "simulated";
            settings["GpuSharing:Node:SimulatedGpus"] = "MI300X:2";
            settings["GpuSharing:Node:SimulatedStateFile"] = Path.Combine(directory, $"{name}.json");
            cluster._settings[name] = settings;
        }

        // The first control silo alone first (it creates the cluster's tables), then the rest side by side.
        await cluster.StartAsync(ControlSilos[0], cancellationToken);
        await Task.WhenAll(ControlSilos.Skip(1).Concat(NodeSilos).Select(s => cluster.StartAsync(s, cancellationToken)));
        var gateway = ServiceProcess.Start("Gateway", "gateway", FreePorts.Next(), cluster.Common);
        cluster._running["gateway"] = gateway;
        await gateway.WaitReadyAsync(TimeSpan.FromSeconds(90), cancellationToken);
        cluster.GatewayAddress = gateway.BaseAddress;
        cluster.Http = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(150) };
        return cluster;
    }

    /// <summary>SIGKILL: the silo dies without telling the cluster.</summary>
    public async Task KillAsync(string silo)
    {
        if (_running.Remove(silo, out var process))
        {
            await process.KillAsync();
            _exited.Add(process);
        }
    }

    public async Task StartAsync(string silo, CancellationToken cancellationToken)
    {
        var settings = new Dictionary<string, string>(Common);
        foreach (var (key, value) in _settings[silo])
        {
            settings[key] = value;
        }

        var process = ServiceProcess.Start("Silo", silo, FreePorts.Next(), settings);
        _running[silo] = process;
        await process.WaitReadyAsync(TimeSpan.FromSeconds(90), cancellationToken);
    }

    /// <summary>The last lines every process wrote, the running ones last.</summary>
    public string Logs(int perProcess = 4000) => string.Join(
        "\n",
        _exited.Concat(_running.Values).Select(p => $"===== {p.Name}{(p.HasExited ? " (exited)" : string.Empty)} =====\n{(p.Output.Length <= perProcess ? p.Output : p.Output[^perProcess..])}"));

    /// <summary>Where every process's output is written when the cluster is disposed (null: nowhere).</summary>
    public string? LogDirectory { get; set; }

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        var all = _exited.Concat(_running.Values).ToList();
        foreach (var process in all)
        {
            await process.DisposeAsync();
        }

        if (LogDirectory is not null)
        {
            Directory.CreateDirectory(LogDirectory);
            foreach (var (process, i) in all.Select((p, i) => (p, i)))
            {
                await File.WriteAllTextAsync(Path.Combine(LogDirectory, $"{i:00}-{process.Name}.log"), process.Output);
            }
        }

        if (StoragePath is not null)
        {
            await StoragePath.DisposeAsync();
        }

        await Storage.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // a file still held open: the temporary directory is left behind
        }
    }

    private static Dictionary<string, string> Silo(string role) => new(StringComparer.Ordinal)
    {
        ["GpuSharing:Silo:Role"] = role,
        ["GpuSharing:Silo:SiloPort"] = $"{FreePorts.Next()}",
        ["GpuSharing:Silo:GatewayPort"] = $"{FreePorts.Next()}",
    };
}

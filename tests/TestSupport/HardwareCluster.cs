using GpuSharing.Grains.Hardware;
using GpuSharing.Grains.Hardware.Simulation;
using GpuSharing.Grains.Interfaces;
using GpuSharing.Grains.Interfaces.Gpus;
using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Nodes;
using GpuSharing.Grains.Interfaces.Partitions;
using GpuSharing.Silo.Configuration;
using GpuSharing.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.TestingHost;

namespace GpuSharing.TestSupport;

/// <summary>
/// An in-process cluster with one silo per GPU node, each with its own simulated device, the product's placement
/// directors, node agents and membership-based reachability; grain state in memory.
/// </summary>
public sealed class HardwareCluster : IAsyncDisposable
{
    private readonly Dictionary<string, string> _siloNames;

    private HardwareCluster(InProcessTestCluster cluster, Dictionary<string, string> siloNames)
    {
        Cluster = cluster;
        _siloNames = siloNames;
    }

    public InProcessTestCluster Cluster { get; }

    public IClusterClient Client => Cluster.Client;

    /// <summary>Starts a silo per node, e.g. <c>("node-a", "MI300X:2"), ("node-b", "MI355X:1")</c>, and waits for every node to register.</summary>
    public static async Task<HardwareCluster> StartAsync(params (string Node, string Gpus, string Platform)[] nodes) =>
        await StartAsync(TimeSpan.FromMilliseconds(20), null, nodes);

    /// <summary>
    /// As above, with every device operation taking <paramref name="deviceDelay"/> (to catch a reconfiguration in
    /// flight), and grain state in Azure Table storage when <paramref name="azureStorage"/> is given (so that it
    /// survives the loss of a silo; memory storage lives in the silos).
    /// </summary>
    public static Task<HardwareCluster> StartAsync(TimeSpan deviceDelay, string? azureStorage, params (string Node, string Gpus, string Platform)[] nodes) =>
        StartAsync(deviceDelay, azureStorage, null, null, nodes);

    /// <summary>
    /// As above; with a <paramref name="serviceId"/> and a <paramref name="deviceStateDirectory"/> a second cluster
    /// started the same way finds the first one's grain state and devices: a restart of every silo.
    /// </summary>
    public static Task<HardwareCluster> StartAsync(TimeSpan deviceDelay, string? azureStorage, string? serviceId, string? deviceStateDirectory, params (string Node, string Gpus, string Platform)[] nodes) =>
        StartAsync(deviceDelay, azureStorage, serviceId, deviceStateDirectory, configure: null, nodes);

    /// <summary>As above, with <paramref name="configure"/> applied to every silo's services (options of the grains under test).</summary>
    public static Task<HardwareCluster> StartAsync(Action<IServiceCollection> configure, params (string Node, string Gpus)[] nodes) =>
        StartAsync(TimeSpan.FromMilliseconds(20), null, null, null, configure, [.. nodes.Select(n => (n.Node, n.Gpus, "Linux Baremetal"))]);

    private static async Task<HardwareCluster> StartAsync(TimeSpan deviceDelay, string? azureStorage, string? serviceId, string? deviceStateDirectory, Action<IServiceCollection>? configure, (string Node, string Gpus, string Platform)[] nodes)
    {
        var expected = nodes.ToDictionary(n => n.Node, n => SimulatedGpuSpec.Parse(n.Gpus).Count);
        var silos = new Dictionary<string, string>();
        var builder = new InProcessTestClusterBuilder((short)nodes.Length);
        builder.Options.ConfigureFileLogging = false;
        if (serviceId is not null)
        {
            builder.Options.ServiceId = serviceId;
            builder.Options.ClusterId = $"{serviceId}-{Guid.NewGuid():N}"[..32];
        }
        builder.ConfigureSilo((options, silo) =>
        {
            string node;
            lock (silos)
            {
                if (!silos.TryGetValue(options.SiloName, out node!))
                {
                    node = nodes[silos.Count].Node;
                    silos[options.SiloName] = node;
                }
            }

            // The product's own wiring: its stores, its grains and directors, and the node side (simulated backend, agent).
            var nodeOptions = NodeOptionsFor(node, nodes.Single(n => n.Node == node).Gpus, nodes.Single(n => n.Node == node).Platform, deviceDelay,
                deviceStateDirectory is null ? null : Path.Combine(deviceStateDirectory, $"{node}.json"));
            silo.AddGpuSharingStorage(azureStorage);
            silo.AddGpuSharing(SiloRole.All, node);
            silo.Services.AddSingleton(Options.Create(nodeOptions));
            silo.Services.AddGpuNode(nodeOptions);
            if (Environment.GetEnvironmentVariable("GPU_SHARING_TEST_LOG") is { Length: > 0 } log)
            {
                silo.Services.AddLogging(b => b.AddProvider(new FileLoggerProvider(log)));
            }

            configure?.Invoke(silo.Services);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        var hardware = new HardwareCluster(cluster, silos);
        foreach (var (node, _, _) in nodes)
        {
            await hardware.WaitAsync(node, v => v.Gpus.Count == expected[node] && v.Gpus.All(g => g.State != GpuState.Unreachable), TimeSpan.FromSeconds(30));
        }

        return hardware;
    }

    public static Task<HardwareCluster> StartAsync(params (string Node, string Gpus)[] nodes) =>
        StartAsync([.. nodes.Select(n => (n.Node, n.Gpus, "Linux Baremetal"))]);

    /// <summary>The simulated device of <paramref name="node"/>, as its silo resolved it.</summary>
    public SimulatedGpuNode Device(string node) => SiloOf(node).SiloHost.Services.GetRequiredService<SimulatedGpuNode>();

    /// <summary>The silo that serves <paramref name="node"/>.</summary>
    public InProcessSiloHandle SiloOf(string node)
    {
        var name = _siloNames.Single(s => s.Value == node).Key;
        return Cluster.Silos.Single(s => s.Name == name);
    }

    public INodeGrain Node(string node) => Client.GetGrain<INodeGrain>(node);

    public IModelGrain Model(string key) => Client.GetGrain<IModelGrain>(key);

    /// <summary>Polls a deployment until <paramref name="condition"/> holds.</summary>
    public async Task<ModelView> WaitForModelAsync(string key, Func<ModelView, bool> condition, TimeSpan? timeout = null) =>
        (await Eventually.UntilAsync(
            _ => Model(key).GetAsync(),
            view => view is not null && condition(view),
            timeout ?? TimeSpan.FromSeconds(20),
            view => $"{key} never reached the expected state; last: {view?.Status} {view?.Message}"))!;

    public IGpuGrain Gpu(string node, int index) => Client.GetGrain<IGpuGrain>(GrainKeys.Gpu(node, index));

    public IPartitionGrain Partition(string node, int gpu, int partition) => Client.GetGrain<IPartitionGrain>(GrainKeys.Partition(node, gpu, partition));

    public Task<PartitioningDecision> RequestAsync(string node, int gpu, ComputeMode compute, MemoryMode? memory = null) =>
        Node(node).RequestPartitioningAsync(gpu, new PartitioningRequest(compute, memory));

    /// <summary>Polls the node until <paramref name="condition"/> holds; fails with the last view otherwise.</summary>
    public Task<NodeView> WaitAsync(string node, Func<NodeView, bool> condition, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(
            _ => Node(node).GetAsync(),
            condition,
            timeout ?? TimeSpan.FromSeconds(20),
            view => $"Node {node} never reached the expected state; last: {string.Join("; ", view?.Gpus.Select(g => $"GPU {g.Index} {g.ComputeMode}/{g.MemoryMode} {g.State} op {g.Operation?.Status}") ?? [])}, node op {view?.Operation?.Status}");

    /// <summary>Waits until the GPU's latest operation has ended, and returns the GPU.</summary>
    public async Task<GpuView> WaitForOperationAsync(string node, int gpu, string operationId)
    {
        var view = await WaitAsync(node, v => v.Gpus.Single(g => g.Index == gpu).Operation is { Id: var id, IsRunning: false } && id == operationId
            && (v.Operation is not { IsRunning: true }));
        return view.Gpus.Single(g => g.Index == gpu);
    }

    public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();

    private static NodeOptions NodeOptionsFor(string node, string gpus, string platform, TimeSpan delay, string? stateFile) => new()
    {
        SimulatedStateFile = stateFile,
        Name = node,
        Backend = "simulated",
        SimulatedGpus = string.IsNullOrEmpty(gpus) ? "MI300X:1" : gpus,
        SimulatedPlatform = string.IsNullOrEmpty(platform) ? "Linux Baremetal" : platform,
        SimulatedComputeDelay = delay,
        SimulatedMemoryDelay = delay,
        SimulatedReloadDelay = delay,
    };
}

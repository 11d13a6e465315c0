using GpuSharing.Grains.Hardware;
using GpuSharing.Grains.Interfaces;
using GpuSharing.Grains.Interfaces.Gpus;
using GpuSharing.Grains.Interfaces.Nodes;
using Microsoft.Extensions.Options;

namespace GpuSharing.Silo.Nodes;

/// <summary>
/// Runs on node silos. At start it reads the node's GPUs from the device (amd-smi or the simulation), registers the
/// node with the control plane and attaches every GPU grain, which reconciles its stored state with the device. A
/// failed read (no driver yet, amd-smi missing) is retried with backoff; the silo reports not-ready until it succeeds.
/// </summary>
public sealed partial class NodeAgent(
    IGpuNodeBackend backend,
    IGrainFactory grains,
    ILocalSiloDetails silo,
    NodeAgentStatus status,
    IOptions<NodeOptions> options,
    TimeProvider time,
    ILogger<NodeAgent> logger) : BackgroundService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var startedAt = time.GetUtcNow();
        var delay = TimeSpan.FromSeconds(2);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await DiscoverAsync(startedAt, stoppingToken);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is GpuDeviceException or OrleansException or TimeoutException)
            {
                status.MarkFailed(ex.Message);
                LogDiscoveryFailed(logger, ex, options.Value.Name, delay);
                await Task.Delay(delay, time, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, delay.Ticks * 2));
            }
        }
    }

    private async Task DiscoverAsync(DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        var node = options.Value.Name;
        var snapshot = await backend.ReadNodeAsync(cancellationToken);
        var registration = new NodeRegistration(
            node,
            backend.Kind,
            snapshot.ToolVersion,
            snapshot.RocmVersion,
            snapshot.Platform,
            snapshot.CanSetPartitions,
            silo.SiloAddress.ToString(),
            [.. snapshot.Gpus.Select(g => g.Index)],
            startedAt,
            snapshot.CannotSetPartitionsReason);
        await grains.GetGrain<INodeGrain>(node).RegisterAsync(registration, cancellationToken);
        foreach (var gpu in snapshot.Gpus)
        {
            var view = await grains.GetGrain<IGpuGrain>(GrainKeys.Gpu(node, gpu.Index)).AttachAsync(gpu, cancellationToken);
            LogGpuAttached(logger, node, gpu.Index, view.Model, view.ComputeMode?.ToString() ?? "?", view.MemoryMode?.ToString() ?? "?", view.State.ToString());
        }

        foreach (var warning in snapshot.Warnings)
        {
            LogWarning(logger, node, warning);
        }

        status.MarkRegistered(snapshot.Gpus.Count);
        LogDiscovered(logger, node, snapshot.Gpus.Count, backend.Kind, snapshot.ToolVersion ?? "?", snapshot.Platform);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node}: {GpuCount} GPU(s) discovered through {Backend} {ToolVersion} on {Platform}")]
    private static partial void LogDiscovered(ILogger logger, string node, int gpuCount, string backend, string toolVersion, string platform);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node}: GPU {Index} {Model} {Compute}/{Memory} {State}")]
    private static partial void LogGpuAttached(ILogger logger, string node, int index, string model, string compute, string memory, string state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {Node}: {Warning}")]
    private static partial void LogWarning(ILogger logger, string node, string warning);

    [LoggerMessage(Level = LogLevel.Error, Message = "Node {Node}: discovering the GPUs failed; retrying in {Delay}")]
    private static partial void LogDiscoveryFailed(ILogger logger, Exception exception, string node, TimeSpan delay);
}

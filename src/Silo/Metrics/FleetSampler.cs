using GpuSharing.Grains.Interfaces.Fleet;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Nodes;
using GpuSharing.Grains.Interfaces.Slo;
using OpenTelemetry;

namespace GpuSharing.Silo.Metrics;

/// <summary>
/// Runs on control silos: every <see cref="Interval"/> reads every node's GPUs, every deployment and its SLO from
/// their grains and hands the snapshot to <see cref="FleetMetrics"/>, so that a scrape costs no grain call. A
/// round that fails keeps the last snapshot.
/// </summary>
public sealed partial class FleetSampler(IGrainFactory grains, FleetMetrics metrics, TimeProvider time, ILogger<FleetSampler> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private long _rounds;

    /// <summary>Samplings finished.</summary>
    public long Rounds => Interlocked.Read(ref _rounds);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A round every few seconds: traced, it would fill a trace store with thousands of traces that say nothing.
        using var untraced = SuppressInstrumentationScope.Begin();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                metrics.Update(await SampleAsync(stoppingToken));
                Interlocked.Increment(ref _rounds);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The silo still starting (no grain calls yet), a silo down, storage down: metrics keep the last
                // sample and the next round tries again. Nothing here may stop the sampling for good.
                LogSampleFailed(logger, ex.Message);
            }

            try
            {
                await Task.Delay(Interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<FleetSnapshot> SampleAsync(CancellationToken cancellationToken)
    {
        var nodes = await grains.GetGrain<IFleetGrain>(Pools.Default).GetNodesAsync().WaitAsync(cancellationToken);
        var views = await Task.WhenAll(nodes.Select(n => grains.GetGrain<INodeGrain>(n).GetAsync().WaitAsync(cancellationToken)));
        var deployments = new List<(ModelView, SloView?)>();
        foreach (var key in await grains.GetGrain<IModelIndexGrain>(Pools.Default).ListAsync().WaitAsync(cancellationToken))
        {
            if (await grains.GetGrain<IModelGrain>(key).GetAsync().WaitAsync(cancellationToken) is { } model)
            {
                deployments.Add((model, await grains.GetGrain<ISloGrain>(key).GetAsync(cancellationToken)));
            }
        }

        return new FleetSnapshot([.. views.SelectMany(v => v.Gpus).OrderBy(g => g.Node, StringComparer.Ordinal).ThenBy(g => g.Index)], deployments);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sampling the fleet for metrics failed ({Error}); the last sample is kept")]
    private static partial void LogSampleFailed(ILogger logger, string error);
}

using GpuSharing.Grains.Interfaces.Slo;
using OpenTelemetry;

namespace GpuSharing.Gateway.Serving;

/// <summary>Sends the recorded samples to each deployment's SLO grain once a second: one call per deployment per second at most.</summary>
public sealed partial class SloFlusher(IClusterClient cluster, SloRecorder recorder, TimeProvider time, ILogger<SloFlusher> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private const int MaxBatch = 5_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A round every few seconds: traced, it would fill a trace store with thousands of traces that say nothing.
        using var untraced = SuppressInstrumentationScope.Begin();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            await FlushAsync(stoppingToken);
        }

        await FlushAsync(CancellationToken.None); // what the last second measured
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        foreach (var (deployment, samples) in recorder.Drain(MaxBatch))
        {
            try
            {
                await cluster.GetGrain<ISloGrain>(deployment).RecordAsync(samples, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // Not connected, a silo or storage down: keep the samples for the next round.
                recorder.Return(deployment, samples);
                LogFlushFailed(logger, deployment, ex.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not send SLO samples of {Deployment} ({Error}); they are sent again next round")]
    private static partial void LogFlushFailed(ILogger logger, string deployment, string error);
}

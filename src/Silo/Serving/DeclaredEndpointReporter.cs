using GpuSharing.Grains.Interfaces.Fleet;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Serving;
using OpenTelemetry;

namespace GpuSharing.Silo.Serving;

/// <summary>
/// Runs on control silos: every round it reads the deployments and reports the endpoints their owners declare
/// (<c>endpoints</c> in the spec) to the endpoint directory as reporter <c>declared</c> — the whole set each time, so
/// that a deleted deployment's or a removed URL leaves within one round and the directory heals after any crash.
/// Several control silos report the same set.
/// </summary>
public sealed partial class DeclaredEndpointReporter(IGrainFactory grains, TimeProvider time, ILogger<DeclaredEndpointReporter> logger) : BackgroundService
{
    public const string Reporter = EndpointSources.Declared;

    /// <summary>Well inside the directory's 30 s expiry.</summary>
    public static readonly TimeSpan Round = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A round every few seconds: traced, it would fill a trace store with thousands of traces that say nothing.
        using var untraced = SuppressInstrumentationScope.Begin();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ReportAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogRoundFailed(logger, ex); // the silo still starting, a silo or storage down: the next round tries again
            }

            try
            {
                await Task.Delay(Round, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ReportAsync(CancellationToken cancellationToken)
    {
        var endpoints = new List<ReplicaEndpoint>();
        foreach (var deployment in await grains.GetGrain<IModelIndexGrain>(Pools.Default).ListAsync())
        {
            var view = await grains.GetGrain<IModelGrain>(deployment).GetAsync().WaitAsync(cancellationToken);
            if (view?.Spec.Endpoints is not { } declared)
            {
                continue;
            }

            // The server knows the model by the name it was started with: the resolved Hugging Face id, as vLLM's default.
            var served = view.Sizing?.ResolvedModel ?? view.Spec.Model;
            var sequences = view.Spec.MaxNumSeqs ?? view.Sizing?.MaxNumSeqs ?? 1;
            endpoints.AddRange(declared.Urls.Select((url, index) => new ReplicaEndpoint(deployment, index, string.Empty, url, served, view.Spec.Priority, sequences, Reporter)));
        }

        await grains.GetGrain<IEndpointDirectoryGrain>(Pools.Default).ReportAsync(Reporter, endpoints, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reporting the declared endpoints failed; the next round tries again")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);
}

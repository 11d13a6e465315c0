using GpuSharing.Grains.Interfaces.Fleet;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Serving;
using OpenTelemetry;

namespace GpuSharing.Silo.Serving;

/// <summary>
/// Runs on control silos: every round it reports the endpoints deployments' owners declare (<c>endpoints</c> in the
/// spec) to the endpoint directory as reporter <c>declared</c> — the whole set each time, so that a deleted
/// deployment's or a removed URL leaves within one round and the directory heals after any crash. It reads only the
/// deployments the index's change feed names since the last round, and every deployment on the first round, when the
/// feed cannot say (a new index activation), and every <see cref="FullReadEvery"/> rounds as a safety net for a lost
/// notification: a fleet of ten thousand deployments costs a handful of grain calls a round, not ten thousand.
/// Several control silos report the same set.
/// </summary>
public sealed partial class DeclaredEndpointReporter(IGrainFactory grains, TimeProvider time, ILogger<DeclaredEndpointReporter> logger) : BackgroundService
{
    public const string Reporter = EndpointSources.Declared;

    /// <summary>Well inside the directory's 30 s expiry.</summary>
    public static readonly TimeSpan Round = TimeSpan.FromSeconds(5);

    /// <summary>Every deployment is read again this often (in rounds), whatever the change feed says.</summary>
    public const int FullReadEvery = 12;

    private const int ConcurrentReads = 32;

    private readonly Dictionary<string, IReadOnlyList<ReplicaEndpoint>> _declared = new(StringComparer.Ordinal);
    private ModelChangeCursor? _cursor;
    private int _round;

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
                _cursor = null; // the silo still starting, a silo or storage down: the next round reads everything again
                LogRoundFailed(logger, ex);
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
        var index = grains.GetGrain<IModelIndexGrain>(Pools.Default);
        var changes = await index.ChangesAsync(_cursor).WaitAsync(cancellationToken);
        var full = _cursor is null || !changes.Complete || _round++ % FullReadEvery == 0;
        IReadOnlyCollection<string> toRead = full ? await index.ListAsync().WaitAsync(cancellationToken) : changes.Deployments.Distinct(StringComparer.Ordinal).ToList();
        if (full)
        {
            _declared.Clear();
        }

        var read = new Dictionary<string, IReadOnlyList<ReplicaEndpoint>>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(toRead, new ParallelOptions { MaxDegreeOfParallelism = ConcurrentReads, CancellationToken = cancellationToken }, async (deployment, ct) =>
        {
            var endpoints = Declared(deployment, await grains.GetGrain<IModelGrain>(deployment).GetAsync().WaitAsync(ct));
            lock (read)
            {
                read[deployment] = endpoints;
            }
        });
        foreach (var (deployment, endpoints) in read)
        {
            if (endpoints.Count == 0)
            {
                _declared.Remove(deployment);
            }
            else
            {
                _declared[deployment] = endpoints;
            }
        }

        await grains.GetGrain<IEndpointDirectoryGrain>(Pools.Default).ReportAsync(Reporter, [.. _declared.OrderBy(d => d.Key, StringComparer.Ordinal).SelectMany(d => d.Value)], cancellationToken);
        _cursor = changes.Cursor; // only once the round's reads are in: a failed round reads them again
    }

    private static IReadOnlyList<ReplicaEndpoint> Declared(string deployment, ModelView? view)
    {
        if (view?.Spec.Endpoints is not { } declared)
        {
            return [];
        }

        // The server knows the model by the name it was started with: the resolved Hugging Face id, as vLLM's default.
        var served = view.Sizing?.ResolvedModel ?? view.Spec.Model;
        var sequences = view.Spec.MaxNumSeqs ?? view.Sizing?.MaxNumSeqs ?? 1;
        return [.. declared.Urls.Select((url, index) => new ReplicaEndpoint(deployment, index, string.Empty, url, served, view.Spec.Priority, sequences, Reporter))];
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reporting the declared endpoints failed; the next round tries again")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);
}

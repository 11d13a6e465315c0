using GpuSharing.Grains.Interfaces.Fleet;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Serving;
using k8s;
using k8s.Autorest;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using k8s.Models;
using Microsoft.Extensions.Options;

namespace GpuSharing.Gateway.KServe;

/// <summary>
/// The KServe watcher (InferenceServices and LLMInferenceServices). Every gateway replica runs it; only the holder of
/// the Lease acts: it lists and watches each kind and the pods and Deployments KServe makes for it (one informer per
/// kind and watched namespace, or per kind for all), reconciles with a few workers from a de-duplicating queue,
/// resyncs everything periodically, and after its first list releases the deployments whose objects vanished while
/// no watcher ran. Losing the Lease stops all of it; stopping the process gives the Lease up at once.
/// </summary>
public sealed partial class KServeWatcher(
    IServiceProvider services,
    InferenceServiceCache cache,
    WorkloadCache workloads,
    ReconcileQueue queue,
    KServeWatcherStatus status,
    WatcherIdentity identity,
    IOptions<KServeOptions> options,
    TimeProvider time,
    ILogger<KServeWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return;
        }

        var kubernetes = services.GetRequiredService<IKubernetes>();
        LogStarting(logger, identity.Name, settings.EffectiveLeaseNamespace, settings.LeaseName, settings.Namespaces.Length == 0 ? "all namespaces" : string.Join(", ", settings.Namespaces));
        while (!stoppingToken.IsCancellationRequested)
        {
            var lease = new LeaseLock(kubernetes, settings.EffectiveLeaseNamespace, settings.LeaseName, identity.Name);
            using var elector = new LeaderElector(new LeaderElectionConfig(lease)
            {
                LeaseDuration = settings.LeaseDuration,
                RenewDeadline = settings.RenewDeadline,
                RetryPeriod = settings.RetryPeriod,
            });
            using var leading = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            Task? work = null;
            elector.OnStartedLeading += () =>
            {
                status.IsLeader = true;
                status.LeadingSince = time.GetUtcNow();
                LogLeading(logger, identity.Name);
                work = LeadAsync(leading.Token);
            };
            elector.OnError += error => LogElectionFailed(logger, error.Message);
            elector.OnStoppedLeading += () =>
            {
                status.IsLeader = false;
                LogStoppedLeading(logger, identity.Name);
                leading.Cancel();
            };

            try
            {
                await elector.RunUntilLeadershipLostAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // stopping
            }
            catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or IOException)
            {
                LogElectionFailed(logger, ex.Message);
            }

            var wasLeader = status.IsLeader || work is not null;
            await leading.CancelAsync();
            if (work is not null)
            {
                await work;
            }

            status.IsLeader = false;
            if (stoppingToken.IsCancellationRequested)
            {
                if (wasLeader)
                {
                    await GiveUpLeaseAsync(kubernetes, settings);
                }

                return;
            }

            await DelayAsync(settings.RetryPeriod, stoppingToken);
        }
    }

    /// <summary>How often the leader reports the InferenceServices' serving addresses.</summary>
    public static readonly TimeSpan EndpointReportInterval = TimeSpan.FromSeconds(5);

    private async Task LeadAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var informer = services.GetRequiredService<Informer>();
        var kubernetes = services.GetRequiredService<IKubernetes>();
        var scopes = settings.Namespaces.Length == 0 ? [null] : settings.Namespaces.Select(n => (string?)n).ToArray();
        cache.Clear();
        cache.ExpectScopes(scopes.Length * KServeKind.All.Count);
        workloads.ExpectScopes(scopes.Length * KServeKind.All.Count * 2);
        var tasks = KServeKind.All
            .SelectMany(kind => scopes.SelectMany(scope => new[]
            {
                informer.RunAsync(new KServeObjectSource(kubernetes, kind), new KServeObjectSink(kind, cache, queue), scope, cancellationToken),
                informer.RunAsync(WorkloadSources.Deployments(kubernetes, kind), new WorkloadSink<V1Deployment>(kind, workloads.Deployments(kind), workloads, cache, queue), scope, cancellationToken),
                informer.RunAsync(WorkloadSources.Pods(kubernetes, kind), new WorkloadSink<V1Pod>(kind, workloads.Pods(kind), workloads, cache, queue), scope, cancellationToken),
            }))
            .ToList();
        tasks.Add(ResyncAsync(scopes, cancellationToken));
        tasks.Add(FollowChangesAsync(scopes, cancellationToken));
        tasks.Add(ReportEndpointsAsync(cancellationToken));
        tasks.AddRange(Enumerable.Range(0, settings.Workers).Select(_ => WorkAsync(cancellationToken)));
        try
        {
            await Task.WhenAll(tasks);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // leadership ended
        }
    }

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        var reconciler = services.GetRequiredService<InferenceServiceReconciler>();
        var settings = options.Value;
        while (!cancellationToken.IsCancellationRequested)
        {
            string key;
            try
            {
                key = await queue.TakeAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var outcome = ReconcileOutcome.Retry;
            try
            {
                outcome = await reconciler.ReconcileAsync(key, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogReconcileFailed(logger, key, ex);
            }
            finally
            {
                queue.Done(key);
                status.RecordReconcile();
            }

            switch (outcome)
            {
                case ReconcileOutcome.Done:
                    queue.Forget(key);
                    break;
                case ReconcileOutcome.Waiting:
                    queue.AddAfterBackoff(key, settings.PendingRecheck, cancellationToken);
                    break;
                default:
                    queue.AddAfterBackoff(key, TimeSpan.FromMilliseconds(250), cancellationToken);
                    break;
            }
        }
    }

    /// <summary>After the first list: deployments of the watched scopes that the watcher owns and no object backs any more. Then every object, periodically.</summary>
    private async Task ResyncAsync(string?[] scopes, CancellationToken cancellationToken)
    {
        try
        {
            while (!cache.Synced)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken);
            }

            var index = services.GetRequiredService<IClusterClient>().GetGrain<IModelIndexGrain>(Pools.Default);
            foreach (var scope in scopes)
            {
                foreach (var key in await index.ListAsync(scope).WaitAsync(cancellationToken))
                {
                    if (cache.Get(key) is null && cache.IsServed(KServeKind.OfKey(key)))
                    {
                        queue.Add(key);
                    }
                }
            }

            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(options.Value.ResyncPeriod, time, cancellationToken);
                foreach (var key in cache.Keys)
                {
                    queue.Add(key);
                }

                status.RecordResync();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // leadership ended
        }
    }

    /// <summary>
    /// Deployments change without their object changing (a preemption, a repartition that finished, room that
    /// appeared): the index's change feed says which, and their objects are reconciled again.
    /// </summary>
    private async Task FollowChangesAsync(string?[] scopes, CancellationToken cancellationToken)
    {
        var index = services.GetRequiredService<IClusterClient>().GetGrain<IModelIndexGrain>(Pools.Default);
        ModelChangeCursor? cursor = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var changes = await index.ChangesAsync(cursor).WaitAsync(cancellationToken);
                var watched = changes.Complete ? changes.Deployments : cache.Keys;
                foreach (var key in watched.Where(k => InScope(k, scopes) && cache.Get(k) is not null))
                {
                    queue.Add(key);
                }

                cursor = changes.Cursor;
                await Task.Delay(options.Value.ChangePollInterval, time, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                LogChangeFeedFailed(logger, ex.Message);
                await DelayAsync(options.Value.ChangePollInterval, cancellationToken);
            }
        }
    }

    /// <summary>
    /// The leader reports where KServe serves the placed InferenceServices to the endpoint directory, the whole set
    /// every few seconds (the directory forgets a set not reported again within 30 s, e.g. after leadership moves).
    /// </summary>
    private async Task ReportEndpointsAsync(CancellationToken cancellationToken)
    {
        var directory = services.GetRequiredService<IClusterClient>().GetGrain<IEndpointDirectoryGrain>(Pools.Default);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (cache.Synced)
                {
                    await directory.ReportAsync(KServeEndpoints.Reporter, KServeEndpoints.From(cache.Keys.Select(cache.Get).OfType<InferenceService>()), cancellationToken);
                }

                await Task.Delay(EndpointReportInterval, time, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                LogEndpointReportFailed(logger, ex.Message);
                await DelayAsync(EndpointReportInterval, cancellationToken);
            }
        }
    }

    private static bool InScope(string key, string?[] scopes) =>
        scopes.Any(s => s is null || key.StartsWith(s + "/", StringComparison.Ordinal));

    /// <summary>Marks the Lease expired so that a standby replica leads within its retry period, not a lease duration.</summary>
    private async Task GiveUpLeaseAsync(IKubernetes kubernetes, KServeOptions settings)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            var lease = await kubernetes.CoordinationV1.ReadNamespacedLeaseAsync(settings.LeaseName, settings.EffectiveLeaseNamespace, cancellationToken: timeout.Token);
            if (lease.Spec?.HolderIdentity != identity.Name)
            {
                return;
            }

            // Empty, not null: KubernetesClient's elector tries to create the Lease anew when the holder is null (and
            // fails on the existing object), while an empty holder is free to take at once.
            lease.Spec.HolderIdentity = string.Empty;
            lease.Spec.LeaseDurationSeconds = 1;
            lease.Spec.RenewTime = time.GetUtcNow().UtcDateTime.AddSeconds(-1);
            await kubernetes.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, settings.LeaseName, settings.EffectiveLeaseNamespace, cancellationToken: timeout.Token);
            LogGaveUp(logger, identity.Name);
        }
        catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or OperationCanceledException)
        {
            LogGiveUpFailed(logger, ex.Message);
        }
    }

    private async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, time, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "KServe watcher {Identity} starting: lease {LeaseNamespace}/{Lease}, watching {Scope}")]
    private static partial void LogStarting(ILogger logger, string identity, string leaseNamespace, string lease, string scope);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Identity} leads: watching and reconciling InferenceServices and LLMInferenceServices")]
    private static partial void LogLeading(ILogger logger, string identity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Identity} stopped leading")]
    private static partial void LogStoppedLeading(ILogger logger, string identity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Leader election failed: {Error}; retrying")]
    private static partial void LogElectionFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reconciling {Service} failed; it is retried")]
    private static partial void LogReconcileFailed(ILogger logger, string service, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the deployments' change feed failed: {Error}; retrying")]
    private static partial void LogChangeFeedFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not report the InferenceServices' serving addresses ({Error}); trying again")]
    private static partial void LogEndpointReportFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Identity} gave up the lease")]
    private static partial void LogGaveUp(ILogger logger, string identity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not give up the lease: {Error}")]
    private static partial void LogGiveUpFailed(ILogger logger, string error);
}

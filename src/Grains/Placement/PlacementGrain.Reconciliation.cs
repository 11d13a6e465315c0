using System.Globalization;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Planning.Placement;
using Microsoft.Extensions.Logging;

namespace GpuSharing.Grains.Placement;

/// <summary>
/// Keeping reservations and deployments in agreement whatever died: releases owed to nodes that were down, reservations
/// whose deployment is gone, deployments whose reservations changed or vanished under them.
/// </summary>
public sealed partial class PlacementGrain
{
    private const int SweepSize = 256;
    private static readonly TimeSpan ReleaseCallTimeout = TimeSpan.FromSeconds(30);
    private int _sweepCursor;

    /// <summary>
    /// Reads the fleet from the partition grains (the truth) and repairs both directions: a reservation whose deployment
    /// is no longer listed, was made for an older spec, or is one more than the deployment has replicas is released; a
    /// deployment that was fully placed and lost a reservation is placed again; deployments are asked to check where
    /// they stand (<see cref="SweepDeployments"/>), so that none reports a place it does not hold. Each repair is a log
    /// line and a count of <c>gpusharing.placement.reconciliation.repairs</c>.
    /// </summary>
    private async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        if (_jobs.Count > 0)
        {
            await DeliverPendingReleasesAsync(cancellationToken);
            return; // while repartitions run the engine's plan (with their waiting replicas) is the truth
        }

        var before = _requests.Keys.ToDictionary(d => d, Fingerprint, StringComparer.Ordinal);
        await EnsureFleetAsync(cancellationToken, live: true);
        var listed = (await GrainFactory.GetGrain<IModelIndexGrain>(this.GetPrimaryKeyString()).ListAsync().WaitAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);

        // A deployment is listed before it is placed and released before it is unlisted, so an unlisted holder is gone.
        var orphans = _engine.AllAssignments().Select(a => a.Deployment).Concat(_requests.Keys).Where(d => !listed.Contains(d)).Distinct(StringComparer.Ordinal).ToList();
        foreach (var orphan in orphans)
        {
            var released = _engine.Remove(orphan);
            foreach (var removed in released.Removed)
            {
                await ReleaseReservationAsync(removed, cancellationToken);
            }

            _requests.Remove(orphan);
            _unplaced.Remove(orphan);
            _revisions.Remove(orphan);
            _backoff.Remove(orphan);
            if (released.Removed.Count > 0)
            {
                Repaired("orphan_released");
                LogOrphanReleased(logger, orphan, released.Removed.Count);
            }
        }

        foreach (var request in _requests.Values.OrderByDescending(r => r.Priority).ThenBy(r => r.Deployment, StringComparer.Ordinal).ToList())
        {
            var deployment = request.Deployment;
            var now = Fingerprint(deployment);
            var was = before.GetValueOrDefault(deployment);
            var held = _engine.Assignments(deployment).Count;
            if (held > 0 && _revisions.GetValueOrDefault(deployment) != request.Revision)
            {
                // Reservations made for an older spec (their release was lost): the spec's replicas are placed afresh.
                Repaired("stale_revision_replaced");
                LogStaleRevision(logger, deployment, _revisions.GetValueOrDefault(deployment), request.Revision);
                await ExecuteAsync(_engine.Remove(deployment), deployment, cancellationToken);
                _revisions[deployment] = request.Revision;
                Notify((await ExecuteAsync(_engine.Place(Demand(request)), deployment, cancellationToken))[deployment]);
                continue;
            }

            if (held > request.Replicas)
            {
                // More reservations than replicas (one whose release was lost, found again): the surplus goes.
                Repaired("surplus_released");
                LogSurplus(logger, deployment, held - request.Replicas);
                Notify((await ExecuteAsync(_engine.Place(Demand(request)), deployment, cancellationToken))[deployment]);
                continue;
            }

            if (held < request.Replicas && was is not null && Placed(was) == request.Replicas && !_backoff.ContainsKey(deployment))
            {
                // It held every replica a moment ago and does not now: its reservations vanished (a node lost them).
                Repaired("deployment_replaced");
                LogReplaced(logger, deployment, request.Replicas - held);
                var updates = await ExecuteAsync(_engine.Place(Demand(request)), deployment, cancellationToken);
                Notify(updates[deployment]);
                continue;
            }

            if (was is not null && was != now)
            {
                Repaired("placement_corrected");
                LogCorrected(logger, deployment, was, now);
                Notify(Update(deployment));
            }
        }

        SweepDeployments();
    }

    /// <summary>
    /// Asks a rotating slice of the deployments this grain holds anything for to check where they stand (one-way): each
    /// answers with its current spec, so a deployment whose stored state went back (storage lost a write) or whose
    /// notifications were lost is placed by what it is now, and one that no longer exists releases what it held. The
    /// slice keeps a large fleet's sweep to a few hundred calls per round.
    /// </summary>
    private void SweepDeployments()
    {
        var held = _engine.AllAssignments().Select(a => a.Deployment).Concat(_requests.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (held.Count == 0)
        {
            return;
        }

        var start = _sweepCursor % held.Count;
        var slice = held.Skip(start).Concat(held.Take(start)).Take(SweepSize).ToList();
        _sweepCursor = start + slice.Count;
        foreach (var deployment in slice)
        {
            GrainFactory.GetGrain<IModelGrain>(deployment).ResumeAsync().Ignore();
        }
    }

    /// <summary>Delivers the releases owed to nodes that are reachable again; those still unreachable stay owed.</summary>
    private async Task DeliverPendingReleasesAsync(CancellationToken cancellationToken)
    {
        foreach (var release in _pendingReleases.ToList())
        {
            // Placed there again since (its reservation on those partitions is the new one): nothing is owed any more.
            if (_engine.Assignments(release.Deployment).Any(a => a.Node == release.Node && a.Gpu == release.Gpu && a.FirstPartition < release.FirstPartition + release.Span && release.FirstPartition < a.FirstPartition + a.Span))
            {
                _pendingReleases.Remove(release);
                continue;
            }

            if (await TryReleaseAsync(release, cancellationToken))
            {
                _pendingReleases.Remove(release);
                PlacementMetrics.ReleasesDelivered.Add(1);
                LogReleaseDelivered(logger, release.Deployment, release.Replica, Gpu(release.Node, release.Gpu), time.GetUtcNow() - release.Since);
            }
        }
    }

    private async Task ReleaseReservationAsync(ReplicaAssignment removed, CancellationToken cancellationToken)
    {
        foreach (var job in _jobs.All)
        {
            job.Waiting.RemoveAll(w => w.Deployment == removed.Deployment && w.Replica == removed.Replica);
        }

        var release = new PendingRelease(removed.Node, removed.Gpu, removed.FirstPartition, removed.Span, removed.Deployment, removed.Replica, time.GetUtcNow());
        if (!await TryReleaseAsync(release, cancellationToken))
        {
            // The node is down (or went down mid-call): the release is kept and delivered when it is back.
            _pendingReleases.RemoveAll(p => p.Node == release.Node && p.Gpu == release.Gpu && p.Deployment == release.Deployment && p.FirstPartition == release.FirstPartition);
            _pendingReleases.Add(release);
            PlacementMetrics.ReleasesQueued.Add(1);
            LogReleaseQueued(logger, removed.Deployment, removed.Replica, Gpu(removed.Node, removed.Gpu));
        }
    }

    /// <summary>Releases a replica's partitions; false when the node is unreachable or a partition could not be reached.</summary>
    private async Task<bool> TryReleaseAsync(PendingRelease release, CancellationToken cancellationToken)
    {
        if (!IsReachable(release.Node))
        {
            return false;
        }

        try
        {
            foreach (var partition in Enumerable.Range(release.FirstPartition, release.Span))
            {
                await Partition(release.Node, release.Gpu, partition).ReleaseAsync(release.Deployment, cancellationToken).WaitAsync(ReleaseCallTimeout, cancellationToken);
            }

            return true;
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Where a deployment's replicas are, as one comparable string (replica@node/gpu/first+span).</summary>
    private string Fingerprint(string deployment) => string.Join(
        ';',
        _engine.Assignments(deployment).OrderBy(a => a.Replica).Select(a => string.Create(CultureInfo.InvariantCulture, $"{a.Replica}@{a.Node}/{a.Gpu}/{a.FirstPartition}+{a.Span}")));

    private static int Placed(string fingerprint) => fingerprint.Length == 0 ? 0 : fingerprint.Count(c => c == ';') + 1;

    private static void Repaired(string kind) => PlacementMetrics.Repairs.Add(1, new KeyValuePair<string, object?>("kind", kind));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Release of {Deployment} replica {Replica} on {Gpu} could not be delivered (the node is unreachable); it is retried until it is")]
    private static partial void LogReleaseQueued(ILogger logger, string deployment, int replica, string gpu);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivered the release of {Deployment} replica {Replica} on {Gpu}, owed for {Owed}")]
    private static partial void LogReleaseDelivered(ILogger logger, string deployment, int replica, string gpu, TimeSpan owed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciliation: released {Count} reservation(s) of {Deployment}, which no longer exists")]
    private static partial void LogOrphanReleased(ILogger logger, string deployment, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciliation: {Deployment} held reservations of revision {Held}, not {Current}; placing it afresh")]
    private static partial void LogStaleRevision(ILogger logger, string deployment, long held, long current);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciliation: {Deployment} held {Count} reservation(s) more than it has replicas; releasing them")]
    private static partial void LogSurplus(ILogger logger, string deployment, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciliation: {Deployment} lost the reservations of {Count} replica(s); placing them again")]
    private static partial void LogReplaced(ILogger logger, string deployment, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciliation: {Deployment} holds {Now}, not {Was} as the placement believed; telling the deployment")]
    private static partial void LogCorrected(ILogger logger, string deployment, string was, string now);
}

using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Partitions;
using GpuSharing.Grains.Planning.Placement;
using Microsoft.Extensions.Logging;

namespace GpuSharing.Grains.Placement;

/// <summary>Carrying out the engine's decisions: releases, reservations, notifications; withdrawing what a partition refused.</summary>
public sealed partial class PlacementGrain
{
    /// <summary>
    /// Carries out an engine decision: releases what it took away, reserves what it placed on GPUs already in the right
    /// layout, turns the rest into repartition jobs, and tells the model grains of every other deployment it touched.
    /// </summary>
    private async Task<Dictionary<string, PlacementUpdate>> ExecuteAsync(PlacementResult result, string? focus, CancellationToken cancellationToken)
    {
        var affected = new HashSet<string>(StringComparer.Ordinal);
        if (focus is not null)
        {
            affected.Add(focus);
        }

        foreach (var move in result.Moves)
        {
            LogMoved(logger, move.Deployment, move.Replica, move.Node, move.Gpu, move.MovedFor);
        }

        var preemptedBy = result.Preemptions.ToDictionary(p => (p.Deployment, p.Replica), p => p.PreemptedFor);
        foreach (var removed in result.Removed)
        {
            affected.Add(removed.Deployment);
            await ReleaseReservationAsync(removed, cancellationToken);
        }

        var refused = new List<(string Deployment, UnplacedReplicaInfo Why)>();
        var reshaped = result.Repartitions.Select(r => Gpu(r.Node, r.Gpu)).ToHashSet(StringComparer.Ordinal);
        var renoded = result.MemoryModeChanges.Select(m => m.Node).ToHashSet(StringComparer.Ordinal);
        foreach (var assignment in result.Assigned)
        {
            affected.Add(assignment.Deployment);
            if (reshaped.Contains(Gpu(assignment.Node, assignment.Gpu)) || renoded.Contains(assignment.Node) || !MatchesDevice(assignment))
            {
                _jobs.For(assignment, time.GetUtcNow()).Waiting.Add(assignment);
            }
            else if (await ReserveAsync(assignment, cancellationToken) is { } refusal)
            {
                refused.Add((assignment.Deployment, refusal));
            }
        }

        foreach (var unplaced in result.Unplaced.GroupBy(u => u.Deployment))
        {
            affected.Add(unplaced.Key);
        }

        foreach (var deployment in affected)
        {
            _unplaced[deployment] = [.. result.Unplaced.Where(u => u.Deployment == deployment).Select(u => new UnplacedReplicaInfo(u.Replica, u.Explanation))];
        }

        foreach (var group in refused.GroupBy(r => r.Deployment, StringComparer.Ordinal))
        {
            await WithdrawAsync(group.Key, [.. group.Select(r => r.Why)], cancellationToken);
        }

        foreach (var deployment in affected.Where(d => _unplaced[d].Count == 0 && !refused.Any(r => r.Deployment == d)))
        {
            _backoff.Remove(deployment);
        }

        if (_jobs.Count > 0)
        {
            _jobTimer ??= this.RegisterGrainTimer(static (self, ct) => self.AdvanceJobsAsync(ct), this, new GrainTimerCreationOptions { DueTime = TimeSpan.Zero, Period = JobPoll, KeepAlive = true });
        }

        var updates = new Dictionary<string, PlacementUpdate>(StringComparer.Ordinal);
        foreach (var deployment in affected)
        {
            var by = preemptedBy.Where(p => p.Key.Deployment == deployment).Select(p => p.Value).FirstOrDefault();
            updates[deployment] = Update(deployment, by);
            if (!string.Equals(deployment, focus, StringComparison.Ordinal))
            {
                Notify(updates[deployment]);
            }
        }

        return updates;
    }

    /// <summary>Reserves every partition of a replica; on a refusal releases what it took and says why (null: reserved).</summary>
    private async Task<UnplacedReplicaInfo?> ReserveAsync(ReplicaAssignment assignment, CancellationToken cancellationToken)
    {
        var done = new List<int>();
        foreach (var partition in Enumerable.Range(assignment.FirstPartition, assignment.Span))
        {
            var reservation = new PartitionReservation(
                assignment.Deployment,
                assignment.BytesPerPartition,
                assignment.Replica,
                assignment.Priority,
                assignment.Isolation,
                assignment.FirstPartition,
                assignment.Span,
                _revisions.GetValueOrDefault(assignment.Deployment),
                assignment.KvBytes,
                assignment.FullKv,
                _requests.GetValueOrDefault(assignment.Deployment));
            var outcome = await Partition(assignment.Node, assignment.Gpu, partition).ReserveAsync(reservation, cancellationToken);
            if (!outcome.Succeeded)
            {
                LogReservationRefused(logger, assignment.Deployment, assignment.Replica, Gpu(assignment.Node, assignment.Gpu), partition, outcome.Outcome, outcome.Reason);
                foreach (var reserved in done)
                {
                    await Partition(assignment.Node, assignment.Gpu, reserved).ReleaseAsync(assignment.Deployment, cancellationToken);
                }

                return new UnplacedReplicaInfo(assignment.Replica, new PlacementExplanation(
                    $"Replica {assignment.Replica}: the reservation on {Gpu(assignment.Node, assignment.Gpu)}/{partition} was refused ({outcome.Outcome}: {outcome.Reason}); the fleet is read again before the next attempt.",
                    new Dictionary<RejectionReason, int> { [RejectionReason.Memory] = 1 },
                    [new GpuRejection(assignment.Node, assignment.Gpu, RejectionReason.Memory, outcome.Reason ?? outcome.Outcome.ToString())],
                    1));
            }

            done.Add(partition);
        }

        return null;
    }

    /// <summary>
    /// A partition refused what the engine thought it had room for, so the engine's picture is wrong somewhere: the
    /// deployment leaves the engine (what it did reserve is released) and waits, explained, for its model grain's
    /// next attempt; before that the fleet is read afresh from the devices' side, not carried over.
    /// </summary>
    private async Task WithdrawAsync(string deployment, IReadOnlyList<UnplacedReplicaInfo> why, CancellationToken cancellationToken)
    {
        foreach (var job in _jobs.All)
        {
            job.Waiting.RemoveAll(w => w.Deployment == deployment);
        }

        foreach (var removed in _engine.Remove(deployment).Removed)
        {
            await ReleaseReservationAsync(removed, cancellationToken);
        }

        _unplaced[deployment] = [.. why];
        _dirty = true;
        _readFleetAfresh = true;

        // The same stale choice must not be retried at once: the deployment waits, longer after each refusal.
        var delay = _backoff.TryGetValue(deployment, out var previous) ? TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, previous.Delay.Ticks * 2)) : MinBackoff;
        _backoff[deployment] = (time.GetUtcNow() + delay, delay);
        PlacementMetrics.ReservationsRefused.Add(1);
    }


    private async Task RetryWaitingAsync(CancellationToken cancellationToken)
    {
        var waiting = _requests.Values
            .Where(r => (_unplaced.GetValueOrDefault(r.Deployment)?.Count ?? 0) > 0)
            .OrderByDescending(r => r.Priority)
            .ThenBy(r => r.Deployment, StringComparer.Ordinal)
            .Take(32)
            .ToList();
        foreach (var request in waiting)
        {
            var updates = await ExecuteAsync(_engine.Place(Demand(request)), request.Deployment, cancellationToken);
            Notify(updates[request.Deployment]);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Moved {Deployment} replica {Replica} to {Node}/{Gpu} to make room ({Reason})")]
    private static partial void LogMoved(ILogger logger, string deployment, int replica, string node, int gpu, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reservation of {Deployment} replica {Replica} on {Gpu}/{Partition} refused: {Outcome} {Reason}")]
    private static partial void LogReservationRefused(ILogger logger, string deployment, int replica, string gpu, int partition, ReservationOutcome outcome, string? reason);
}

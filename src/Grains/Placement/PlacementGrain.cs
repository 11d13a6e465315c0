using System.Globalization;
using GpuSharing.Grains.Hardware.Catalog;
using GpuSharing.Grains.Interfaces;
using GpuSharing.Grains.Interfaces.Fleet;
using GpuSharing.Grains.Interfaces.Gpus;
using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Nodes;
using GpuSharing.Grains.Interfaces.Partitions;
using GpuSharing.Grains.Interfaces.Placement;
using GpuSharing.Grains.Planning.Placement;
using GpuSharing.Grains.Planning.Sizing;
using GpuSharing.Grains.Planning.WhatIf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GpuSharing.Grains.Placement;

/// <summary>
/// The pool's single decision point. It keeps the placement engine over the fleet in memory — built from the node
/// grains (layouts, reachability, and the reservations the partitions hold, which carry each replica's priority,
/// isolation and revision) — and runs every decision through it one at a time, so two deployments can never be
/// given the same room. Partitions enforce capacity on their own; if a reservation is refused anyway (the fleet
/// changed under the engine) the fleet is read again. Decisions that need a repartition become jobs: the GPU is
/// repartitioned through its node grain, and the waiting replicas are reserved when a re-read shows the new layout.
/// Nothing is persisted here: the fleet is the state, and model grains ask again while they are not placed.
/// </summary>
[ControlPlanePlacement]
public sealed partial class PlacementGrain(TimeProvider time, IOptions<PlacementOptions> options, ILogger<PlacementGrain> logger) : Grain, IPlacementGrain
{
    private static readonly TimeSpan FleetMaxAge = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan JobPoll = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(15);

    private readonly Dictionary<string, PlacementRequest> _requests = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<UnplacedReplicaInfo>> _unplaced = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GpuView> _gpus = new(StringComparer.Ordinal);
    private readonly List<RepartitionJob> _jobs = [];
    private Dictionary<string, long> _revisions = new(StringComparer.Ordinal);
    private PlacementEngine _engine = new(new FleetSnapshot([]));
    private DateTimeOffset _builtAt = DateTimeOffset.MinValue;
    private bool _dirty = true;
    private bool _readFleetAfresh = true;
    private IGrainTimer? _jobTimer;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // This grain keeps the waiting requests in memory only; a new activation asks every deployment that still
        // waits to submit itself again (the index calls them one-way, so this activation never waits on them).
        _ = GrainFactory.GetGrain<IModelIndexGrain>(this.GetPrimaryKeyString()).ResumeAsync();
        if (options.Value.ConsolidationInterval > TimeSpan.Zero)
        {
            this.RegisterGrainTimer(static (self, ct) => self.ConsolidateAsync(ct), this, new GrainTimerCreationOptions
            {
                DueTime = options.Value.ConsolidationInterval,
                Period = options.Value.ConsolidationInterval,
                KeepAlive = true,
            });
        }

        return Task.CompletedTask;
    }

    public async Task<PlacementUpdate> PlaceAsync(PlacementRequest request, CancellationToken cancellationToken = default)
    {
        await EnsureFleetAsync(cancellationToken);
        var deployment = request.Deployment;
        _requests[deployment] = request;
        if (_revisions.TryGetValue(deployment, out var placedFor) && placedFor != request.Revision)
        {
            // The spec changed: its replicas are placed again from scratch.
            await ExecuteAsync(_engine.Remove(deployment), deployment, cancellationToken);
        }

        _revisions[deployment] = request.Revision;
        var result = _engine.Place(Demand(request));
        var updates = await ExecuteAsync(result, deployment, cancellationToken);
        return updates.TryGetValue(deployment, out var update) ? update : Update(deployment);
    }

    public async Task ReleaseAsync(string deployment, CancellationToken cancellationToken = default)
    {
        await EnsureFleetAsync(cancellationToken);
        _requests.Remove(deployment);
        _unplaced.Remove(deployment);
        _revisions.Remove(deployment);
        foreach (var job in _jobs)
        {
            job.Waiting.RemoveAll(w => w.Deployment == deployment);
        }

        await ExecuteAsync(_engine.Remove(deployment), deployment, cancellationToken);
        LogReleased(logger, deployment);
        await RetryWaitingAsync(cancellationToken);
    }

    public Task FleetChangedAsync(string node)
    {
        _dirty = true;
        return Task.CompletedTask;
    }

    public async Task<PlanResult> PlanAsync(PlanRequest request, CancellationToken cancellationToken = default)
    {
        if (request.Fleet is not { Count: > 0 })
        {
            await EnsureFleetAsync(cancellationToken);
        }

        return WhatIfPlanner.Plan(request, _engine.Snapshot());
    }

    /// <summary>
    /// Undoes what arrival order did (<see cref="PlacementEngine.Consolidate"/>) while nothing else is going on: no
    /// repartition running. Its moves are carried out like any decision.
    /// </summary>
    private async Task ConsolidateAsync(CancellationToken cancellationToken)
    {
        if (_jobs.Count > 0)
        {
            return;
        }

        await EnsureFleetAsync(cancellationToken);
        var result = _engine.Consolidate();
        if (result.Assigned.Count == 0 && result.Removed.Count == 0)
        {
            return;
        }

        LogConsolidated(logger, result.Moves.Count, result.Preemptions.Count, result.Repartitions.Count);
        await ExecuteAsync(result, focus: null, cancellationToken);
    }

    // ---- executing decisions --------------------------------------------------------------------------------------

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
                Job(assignment).Waiting.Add(assignment);
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

    private async Task ReleaseReservationAsync(ReplicaAssignment removed, CancellationToken cancellationToken)
    {
        foreach (var job in _jobs)
        {
            job.Waiting.RemoveAll(w => w.Deployment == removed.Deployment && w.Replica == removed.Replica);
        }

        if (!IsReachable(removed.Node))
        {
            return; // the node is down: its partitions keep the reservation until it returns and the fleet is read again
        }

        foreach (var partition in Enumerable.Range(removed.FirstPartition, removed.Span))
        {
            await Partition(removed.Node, removed.Gpu, partition).ReleaseAsync(removed.Deployment, cancellationToken);
        }
    }

    // ---- repartition jobs -----------------------------------------------------------------------------------------

    private RepartitionJob Job(ReplicaAssignment assignment)
    {
        var target = new PartitionLayout(assignment.ComputeMode, assignment.MemoryMode);
        var job = _jobs.FirstOrDefault(j => j.Node == assignment.Node && j.Gpu == assignment.Gpu);
        if (job is null)
        {
            job = new RepartitionJob(assignment.Node, assignment.Gpu, target, time.GetUtcNow());
            _jobs.Add(job);
        }

        return job;
    }

    /// <summary>Starts jobs (one node-wide change per node at a time) and finishes those whose operation ended.</summary>
    private async Task AdvanceJobsAsync(CancellationToken cancellationToken)
    {
        foreach (var job in _jobs.ToList())
        {
            try
            {
                await AdvanceAsync(job, cancellationToken);
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                LogJobError(logger, ex, job.Node, job.Gpu);
            }
        }

        if (_jobs.Count == 0)
        {
            _jobTimer?.Dispose();
            _jobTimer = null;
        }
    }

    private async Task AdvanceAsync(RepartitionJob job, CancellationToken cancellationToken)
    {
        var node = GrainFactory.GetGrain<INodeGrain>(job.Node);
        var gpu = await node.GetGpuAsync(job.Gpu);
        if (gpu is null || time.GetUtcNow() - job.CreatedAt > JobTimeout)
        {
            await FailAsync(job, gpu is null ? "the GPU disappeared" : "the repartition did not finish in time", cancellationToken);
            return;
        }

        if (job.OperationId is null)
        {
            if (gpu.ComputeMode == job.Target.ComputeMode && gpu.MemoryMode == job.Target.MemoryMode && gpu.State == GpuState.Ready)
            {
                await CompleteAsync(job, gpu, cancellationToken);
                return;
            }

            if (gpu.State is GpuState.Unreachable || _jobs.Any(other => other != job && other.Node == job.Node && other.NodeWide && other.OperationId is not null))
            {
                return; // wait for the node, or for the node-wide change already under way
            }

            var decision = await node.RequestPartitioningAsync(job.Gpu, new PartitioningRequest(job.Target.ComputeMode, job.Target.MemoryMode), cancellationToken);
            switch (decision.Outcome)
            {
                case PartitioningOutcome.Accepted:
                    job.OperationId = decision.Operation!.Id;
                    job.NodeWide = decision.Operation.Scope == OperationScope.Node;
                    LogJobStarted(logger, job.Node, job.Gpu, job.Target.ToString(), job.OperationId);
                    break;
                case PartitioningOutcome.Busy when decision.Blockers.All(b => b.StartsWith("operation", StringComparison.Ordinal) || b.Contains(": operation", StringComparison.Ordinal)):
                    break; // another reconfiguration runs on the node: try again on the next tick
                default:
                    await FailAsync(job, decision.Reason ?? decision.Outcome.ToString(), cancellationToken);
                    break;
            }

            return;
        }

        if (gpu.Operation?.Id != job.OperationId || gpu.Operation.IsRunning)
        {
            return;
        }

        if (gpu.Operation.Status == OperationStatus.Succeeded && gpu.ComputeMode == job.Target.ComputeMode)
        {
            await CompleteAsync(job, gpu, cancellationToken);
        }
        else if (gpu.Operation.Status == OperationStatus.Succeeded)
        {
            job.OperationId = null; // the node-wide change is done; this GPU still needs its own compute mode
        }
        else
        {
            await FailAsync(job, $"the repartition {gpu.Operation.Status}: {gpu.Operation.Error}", cancellationToken);
        }
    }

    private async Task CompleteAsync(RepartitionJob job, GpuView gpu, CancellationToken cancellationToken)
    {
        _jobs.Remove(job);
        _gpus[Gpu(job.Node, job.Gpu)] = gpu;
        var touched = new HashSet<string>(StringComparer.Ordinal);
        foreach (var assignment in job.Waiting)
        {
            touched.Add(assignment.Deployment);
            if (await ReserveAsync(assignment, cancellationToken) is { } refusal)
            {
                await WithdrawAsync(assignment.Deployment, [refusal], cancellationToken);
            }
        }

        LogJobFinished(logger, job.Node, job.Gpu, job.Target.ToString(), job.Waiting.Count);
        foreach (var deployment in touched)
        {
            Notify(Update(deployment));
        }
    }

    /// <summary>
    /// A partition refused what the engine thought it had room for, so the engine's picture is wrong somewhere: the
    /// deployment leaves the engine (what it did reserve is released) and waits, explained, for its model grain's
    /// next attempt; before that the fleet is read afresh from the devices' side, not carried over.
    /// </summary>
    private async Task WithdrawAsync(string deployment, IReadOnlyList<UnplacedReplicaInfo> why, CancellationToken cancellationToken)
    {
        foreach (var job in _jobs)
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
    }

    private Task FailAsync(RepartitionJob job, string reason, CancellationToken cancellationToken)
    {
        _jobs.Remove(job);
        _dirty = true; // the engine counted on a layout the GPU does not have
        LogJobFailed(logger, job.Node, job.Gpu, job.Target.ToString(), reason);
        foreach (var deployment in job.Waiting.Select(w => w.Deployment).Distinct(StringComparer.Ordinal))
        {
            _unplaced[deployment] = [.. job.Waiting.Where(w => w.Deployment == deployment).Select(w => new UnplacedReplicaInfo(w.Replica, new PlacementExplanation(
                $"Replica {w.Replica}: GPU {job.Node}/{job.Gpu} could not be repartitioned to {job.Target} ({reason}); it will be placed again.",
                new Dictionary<RejectionReason, int> { [RejectionReason.NotSchedulable] = 1 },
                [new GpuRejection(job.Node, job.Gpu, RejectionReason.NotSchedulable, reason)],
                1)))];
            Notify(Update(deployment));
        }

        return Task.CompletedTask;
    }

    // After a release there is room: deployments still waiting try again, highest priority first.
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

    // ---- the fleet ------------------------------------------------------------------------------------------------

    private async Task EnsureFleetAsync(CancellationToken cancellationToken)
    {
        var age = time.GetUtcNow() - _builtAt;
        if ((!_dirty && age < FleetMaxAge) || (_jobs.Count > 0 && age < TimeSpan.FromMinutes(1)))
        {
            return; // while repartitions run, the engine's plan (with their waiting replicas) stays the truth
        }

        var names = await GrainFactory.GetGrain<IFleetGrain>(Pools.Default).GetNodesAsync();
        var views = await Task.WhenAll(names.Select(n => GrainFactory.GetGrain<INodeGrain>(n).GetAsync()));
        var revisions = new Dictionary<string, long>(StringComparer.Ordinal);

        // This grain makes every reservation, and the nodes' views lag behind them (partitions report one-way through
        // their GPU): on a GPU whose layout is unchanged the engine's own reservations are the truth. The views'
        // reservations count on first read, on new layouts, and after a partition refused what the engine believed.
        var known = _readFleetAfresh
            ? new Dictionary<string, PlanningGpu>(StringComparer.Ordinal)
            : _engine.Snapshot().Nodes.SelectMany(n => n.Gpus.Select(g => (Key: Gpu(n.Name, g.Index), Gpu: g))).ToDictionary(x => x.Key, x => x.Gpu, StringComparer.Ordinal);
        var nodes = new List<PlanningNode>();
        _gpus.Clear();
        foreach (var view in views)
        {
            var gpus = new List<PlanningGpu>();
            foreach (var gpu in view.Gpus)
            {
                _gpus[Gpu(view.Name, gpu.Index)] = gpu;
                if (GpuCatalog.Find(gpu.Model) is not { } family || gpu.ComputeMode is not { } mode)
                {
                    continue;
                }

                var partitionBytes = gpu.Partitions.Count > 0 ? gpu.Partitions.Min(p => p.VramBytes) : gpu.VramBytes / (int)mode;
                IReadOnlyList<PlanningReservation> reservations;
                if (known.TryGetValue(Gpu(view.Name, gpu.Index), out var before) && before.ComputeMode == mode && before.PartitionBytes == partitionBytes)
                {
                    reservations = before.Reservations;
                    foreach (var r in reservations)
                    {
                        revisions[r.Deployment] = _revisions.GetValueOrDefault(r.Deployment);
                    }
                }
                else
                {
                    reservations = [.. gpu.Partitions
                        .SelectMany(p => p.Reservations)
                        .GroupBy(r => r.Deployment, StringComparer.Ordinal)
                        .Select(g => g.First())
                        .Select(r =>
                        {
                            revisions[r.Deployment] = r.Revision;
                            if (r.Request is { } placedFor && placedFor.Revision == r.Revision)
                            {
                                _requests.TryAdd(r.Deployment, placedFor);
                            }

                            var demand = r.Request is { } request && request.Revision == r.Revision ? Demand(request) : null;
                            return new PlanningReservation(r.Deployment, r.Replica, r.FirstPartition, r.Span, r.Bytes, r.Priority, r.Isolation, r.KvCacheBytes, r.FullKvCache, demand);
                        })];
                }

                var schedulable = gpu.State == GpuState.Ready && gpu.Operation is not { IsRunning: true };
                gpus.Add(new PlanningGpu(gpu.Index, family, mode, partitionBytes, schedulable, reservations));
            }

            nodes.Add(new PlanningNode(view.Name, view.MemoryMode ?? MemoryMode.NPS1, view.Reachable, gpus));
        }

        _engine = new PlacementEngine(new FleetSnapshot(nodes));
        _revisions = revisions;
        _builtAt = time.GetUtcNow();
        _dirty = false;
        _readFleetAfresh = false;
        LogFleetRead(logger, nodes.Count, nodes.Sum(n => n.Gpus.Count), revisions.Count);
    }

    private bool IsReachable(string node) => _gpus.Values.Any(g => g.Node == node && g.State != GpuState.Unreachable);

    private bool MatchesDevice(ReplicaAssignment assignment) =>
        _gpus.TryGetValue(Gpu(assignment.Node, assignment.Gpu), out var gpu) && gpu.ComputeMode == assignment.ComputeMode && gpu.MemoryMode == assignment.MemoryMode;

    private PlacementUpdate Update(string deployment, string? preemptedBy = null)
    {
        var waiting = _jobs.SelectMany(j => j.Waiting.Where(w => w.Deployment == deployment).Select(w => (Job: j, Assignment: w))).ToList();
        var waitingReplicas = waiting.Select(w => w.Assignment.Replica).ToHashSet();
        var unplaced = _unplaced.GetValueOrDefault(deployment) ?? [];
        var unplacedReplicas = unplaced.Select(u => u.Replica).ToHashSet();
        var placements = _engine.Assignments(deployment)
            .Where(a => !waitingReplicas.Contains(a.Replica) && !unplacedReplicas.Contains(a.Replica))
            .Select(a => Placement(a, Devices(a)))
            .ToList();
        var pending = waiting.Select(w => new PendingReplica(
            w.Assignment.Replica,
            w.Job.Node,
            w.Job.Gpu,
            w.Job.Target,
            w.Job.OperationId,
            string.Create(CultureInfo.InvariantCulture, $"GPU {w.Job.Node}/{w.Job.Gpu} to be repartitioned to {w.Job.Target}{(w.Job.OperationId is { } op ? $" (operation {op})" : string.Empty)}"))).ToList();
        return new PlacementUpdate(deployment, _revisions.GetValueOrDefault(deployment), placements, pending, unplaced, preemptedBy);
    }

    private IReadOnlyList<DeviceBinding> Devices(ReplicaAssignment assignment) =>
        _gpus.TryGetValue(Gpu(assignment.Node, assignment.Gpu), out var gpu)
            ? [.. Enumerable.Range(assignment.FirstPartition, assignment.Span).Select(p => gpu.Partitions.ElementAtOrDefault(p)?.Binding).OfType<DeviceBinding>()]
            : [];

    private static ReplicaPlacement Placement(ReplicaAssignment a, IReadOnlyList<DeviceBinding> devices) =>
        new(a.Replica, a.Node, a.Gpu, a.FirstPartition, a.Span, a.ComputeMode, a.MemoryMode, a.BytesPerPartition, a.PartitionBytes, a.KvBytes, a.FullKv, devices);

    private static PlacementDemand Demand(PlacementRequest r) =>
        new(r.Deployment, r.Replicas, r.Priority, r.Isolation, new ReplicaSize(r.WeightsBytes, r.KvTargetBytes, r.KvMinBytes, r.ActivationBytes), r.MaxTensorParallel, r.Node, r.Gpu);

    private void Notify(PlacementUpdate update) =>
        GrainFactory.GetGrain<IModelGrain>(update.Deployment).PlacementChangedAsync(update).Ignore();

    private IPartitionGrain Partition(string node, int gpu, int partition) =>
        GrainFactory.GetGrain<IPartitionGrain>(GrainKeys.Partition(node, gpu, partition));

    private static string Gpu(string node, int gpu) => GrainKeys.Gpu(node, gpu);

    [LoggerMessage(Level = LogLevel.Information, Message = "Fleet read: {Nodes} node(s), {Gpus} GPU(s), {Deployments} deployment(s) holding reservations")]
    private static partial void LogFleetRead(ILogger logger, int nodes, int gpus, int deployments);

    [LoggerMessage(Level = LogLevel.Information, Message = "Moved {Deployment} replica {Replica} to {Node}/{Gpu} to make room ({Reason})")]
    private static partial void LogMoved(ILogger logger, string deployment, int replica, string node, int gpu, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Consolidated the fleet: {Moves} replica(s) moved, {Preemptions} preempted, {Repartitions} GPU(s) repartitioned")]
    private static partial void LogConsolidated(ILogger logger, int moves, int preemptions, int repartitions);

    [LoggerMessage(Level = LogLevel.Information, Message = "Released {Deployment}")]
    private static partial void LogReleased(ILogger logger, string deployment);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reservation of {Deployment} replica {Replica} on {Gpu}/{Partition} refused: {Outcome} {Reason}")]
    private static partial void LogReservationRefused(ILogger logger, string deployment, int replica, string gpu, int partition, ReservationOutcome outcome, string? reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Repartitioning {Node}/{Gpu} to {Target} (operation {Operation})")]
    private static partial void LogJobStarted(ILogger logger, string node, int gpu, string target, string operation);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Node}/{Gpu} is {Target}: reserving {Count} waiting replica(s)")]
    private static partial void LogJobFinished(ILogger logger, string node, int gpu, string target, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Repartitioning {Node}/{Gpu} to {Target} failed: {Reason}")]
    private static partial void LogJobFailed(ILogger logger, string node, int gpu, string target, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Advancing the repartition of {Node}/{Gpu} failed; retrying")]
    private static partial void LogJobError(ILogger logger, Exception exception, string node, int gpu);

    /// <summary>A GPU to be repartitioned before the replicas waiting for it can be reserved.</summary>
    private sealed class RepartitionJob(string node, int gpu, PartitionLayout target, DateTimeOffset createdAt)
    {
        public string Node { get; } = node;

        public int Gpu { get; } = gpu;

        public PartitionLayout Target { get; } = target;

        public DateTimeOffset CreatedAt { get; } = createdAt;

        public string? OperationId { get; set; }

        public bool NodeWide { get; set; }

        public List<ReplicaAssignment> Waiting { get; } = [];
    }
}

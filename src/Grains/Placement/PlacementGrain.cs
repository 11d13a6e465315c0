using System.Globalization;
using GpuSharing.Grains.Activation;
using GpuSharing.Grains.Interfaces;
using GpuSharing.Grains.Interfaces.Gpus;
using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Partitions;
using GpuSharing.Grains.Interfaces.Placement;
using GpuSharing.Grains.Planning.Placement;
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
    private static readonly TimeSpan MinBackoff = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(60);

    private readonly Dictionary<string, PlacementRequest> _requests = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<UnplacedReplicaInfo>> _unplaced = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GpuView> _gpus = new(StringComparer.Ordinal);
    private readonly RepartitionJobs _jobs = new(JobTimeout);
    private readonly List<PendingRelease> _pendingReleases = [];

    // Deployments a partition refused recently: they wait (longer after each refusal) instead of retrying a stale choice.
    private readonly Dictionary<string, (DateTimeOffset Until, TimeSpan Delay)> _backoff = new(StringComparer.Ordinal);
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

        if (options.Value.ReconciliationInterval > TimeSpan.Zero)
        {
            this.RegisterGrainTimer(static (self, ct) => self.ReconcileAsync(ct), this, new GrainTimerCreationOptions
            {
                DueTime = options.Value.ReconciliationInterval,
                Period = options.Value.ReconciliationInterval,
                KeepAlive = true,
            });
        }

        return Task.CompletedTask;
    }

    public async Task<PlacementUpdate> PlaceAsync(PlacementRequest request, CancellationToken cancellationToken = default)
    {
        await EnsureFleetAsync(cancellationToken);
        var deployment = request.Deployment;
        var previous = _requests.GetValueOrDefault(deployment);
        _requests[deployment] = request;
        IReadOnlyList<ReplicaAssignment> kept = [];
        if (_revisions.TryGetValue(deployment, out var placedFor) && placedFor != request.Revision)
        {
            // The spec changed: its replicas are placed again from scratch — unless only their number changed (an
            // autoscaler's step), when the engine adds the missing replicas and releases the surplus ones and the rest
            // stay where their pods run.
            _backoff.Remove(deployment);
            if (OnlyResized(previous, request))
            {
                kept = [.. _engine.Assignments(deployment).Where(a => a.Replica < request.Replicas)];
            }
            else
            {
                await ExecuteAsync(_engine.Remove(deployment), deployment, cancellationToken);
            }
        }

        else if (_backoff.TryGetValue(deployment, out var wait) && time.GetUtcNow() < wait.Until)
        {
            return Update(deployment); // a partition refused it a moment ago: it waits, with the refusal as its reason
        }

        _revisions[deployment] = request.Revision;
        var started = time.GetTimestamp();
        var result = _engine.Place(Demand(request));
        var updates = await ExecuteAsync(result, deployment, cancellationToken);
        await RetagAsync(kept, cancellationToken);
        var decided = updates.TryGetValue(deployment, out var update) ? update : Update(deployment);
        Measure(result, decided, time.GetElapsedTime(started));
        return decided;
    }

    /// <summary>
    /// The replicas a resize kept carry the new revision and request, like those it added: a fleet read after a restart
    /// must find one spec's reservations, not take the kept ones for leftovers of an older spec and place them afresh.
    /// </summary>
    private async Task RetagAsync(IReadOnlyList<ReplicaAssignment> kept, CancellationToken cancellationToken)
    {
        foreach (var before in kept)
        {
            if (_engine.Assignments(before.Deployment).FirstOrDefault(a => a.Replica == before.Replica) is { } now
                && now.Node == before.Node && now.Gpu == before.Gpu && now.FirstPartition == before.FirstPartition)
            {
                await ReserveAsync(now, cancellationToken);
            }
        }
    }

    public async Task ReleaseAsync(string deployment, CancellationToken cancellationToken = default)
    {
        await EnsureFleetAsync(cancellationToken);
        _requests.Remove(deployment);
        _unplaced.Remove(deployment);
        _revisions.Remove(deployment);
        _backoff.Remove(deployment);
        foreach (var job in _jobs.All)
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

    private static bool OnlyResized(PlacementRequest? previous, PlacementRequest request) =>
        previous is not null && previous with { Revision = request.Revision, Replicas = request.Replicas } == request;

    private bool IsReachable(string node) => _gpus.Values.Any(g => g.Node == node && g.State != GpuState.Unreachable);

    private bool MatchesDevice(ReplicaAssignment assignment) =>
        _gpus.TryGetValue(Gpu(assignment.Node, assignment.Gpu), out var gpu) && gpu.ComputeMode == assignment.ComputeMode && gpu.MemoryMode == assignment.MemoryMode;

    private PlacementUpdate Update(string deployment, string? preemptedBy = null)
    {
        var waiting = _jobs.All.SelectMany(j => j.Waiting.Where(w => w.Deployment == deployment).Select(w => (Job: j, Assignment: w))).ToList();
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

    private static PlacementDemand Demand(PlacementRequest r) => FleetReader.Demand(r);

    private void Notify(PlacementUpdate update) =>
        GrainFactory.GetGrain<IModelGrain>(update.Deployment).PlacementChangedAsync(update).Ignore();

    private IPartitionGrain Partition(string node, int gpu, int partition) =>
        GrainFactory.GetGrain<IPartitionGrain>(GrainKeys.Partition(node, gpu, partition));

    private static string Gpu(string node, int gpu) => GrainKeys.Gpu(node, gpu);

    [LoggerMessage(Level = LogLevel.Information, Message = "Released {Deployment}")]
    private static partial void LogReleased(ILogger logger, string deployment);

    private static void Measure(PlacementResult result, PlacementUpdate decided, TimeSpan duration)
    {
        var outcome = decided.Unplaced.Count > 0 ? "unplaced" : decided.Pending.Count > 0 ? "pending" : "placed";
        PlacementMetrics.Decisions.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        PlacementMetrics.DecisionDuration.Record(duration.TotalSeconds);
        PlacementMetrics.Preemptions.Add(result.Preemptions.Count);
        PlacementMetrics.RepartitionsRequested.Add(result.Repartitions.Count + result.MemoryModeChanges.Count);
    }
}

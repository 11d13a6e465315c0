using GpuSharing.Grains.Activation;
using GpuSharing.Grains.Interfaces.Fleet;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Placement;
using GpuSharing.Grains.Interfaces.Slo;
using GpuSharing.Grains.Placement;
using GpuSharing.Grains.Planning.Sizing;
using GpuSharing.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GpuSharing.Grains.Models;

/// <summary>
/// A model deployment. Apply sizes the spec (a bad value or an unknown model is refused before anything is stored),
/// stores it with its generation and asks the pool's placement grain for room; the answer (reserved, waiting for a
/// repartition, or not placed with the reasons) becomes the status. While not fully placed it asks again every
/// <see cref="PlacementOptions.RetryInterval"/>, so that no deployment stays pending because a notification was lost.
/// </summary>
[ControlPlanePlacement]
public sealed partial class ModelGrain(
    [PersistentState("model", StorageNames.ControlPlane)] IPersistentState<ModelGrainState> state,
    TimeProvider time,
    IOptions<PlacementOptions> options,
    ILogger<ModelGrain> logger) : Grain, IModelGrain
{
    private IGrainTimer? _retry;
    private IGrainTimer? _verify;

    private TimeSpan RetryInterval => options.Value.RetryInterval;

    private ModelGrainState State => state.State;

    private string Key => this.GetPrimaryKeyString();

    private IPlacementGrain Placement => GrainFactory.GetGrain<IPlacementGrain>(Pools.Default);

    private IModelIndexGrain Index => GrainFactory.GetGrain<IModelIndexGrain>(Pools.Default);

    private IModelIndexShardGrain IndexShard => GrainFactory.GetGrain<IModelIndexShardGrain>(ModelIndexShards.For(Pools.Default, Key));

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        ScheduleRetry();
        if (State.Spec is not null && State.Status is ModelStatus.Placed or ModelStatus.Running)
        {
            // What was stored may be older than what happened (the silo died between a placement and its write, or a
            // notification was lost): a placed deployment asks the placement grain once, which answers from the
            // partitions' reservations — and places again what it no longer holds.
            VerifyLater(TimeSpan.Zero);
        }

        return Task.CompletedTask;
    }

    public async Task<ApplyResult> ApplyAsync(DeploymentSpec spec, long generation, CancellationToken cancellationToken = default)
    {
        if (State.Spec?.ManagedBy is { } owner && owner != spec.ManagedBy)
        {
            return new ApplyResult(ApplyOutcome.ManagedElsewhere, View(), "managedBy", owner);
        }

        if (State.Spec is not null && generation > 0 && generation < State.Generation)
        {
            return new ApplyResult(ApplyOutcome.Unchanged, View(), null, $"Generation {generation} is older than the applied {State.Generation}.");
        }

        if (State.Spec is not null && spec == State.Spec)
        {
            if (generation > State.Generation)
            {
                // The owner's object changed without changing what is deployed (our own write-back to an
                // InferenceService bumps its generation): remember the generation, place nothing again.
                State.Generation = generation;
                await state.WriteOrRestartAsync(GrainContext, cancellationToken);
            }

            return new ApplyResult(ApplyOutcome.Unchanged, View(), null, null);
        }

        SizingResult sizing;
        try
        {
            sizing = ModelSizer.Size(spec);
        }
        catch (SizingException ex)
        {
            return new ApplyResult(ex.IsInvalidInput ? ApplyOutcome.Invalid : ApplyOutcome.Unprocessable, null, ex.Field, ex.Message);
        }

        if (State.Spec is null)
        {
            // Listed before it is stored: a crash in between leaves an entry that lists nothing, never a deployment nobody can find.
            await IndexShard.AddAsync(Key, cancellationToken);
        }

        // Only the number of replicas changed (an autoscaler's step): the replicas that stay keep their places and
        // bindings, and the status holds until the placement answers for the new number.
        var resized = State.Spec is not null && State.Spec with { Replicas = spec.Replicas } == spec;
        State.Spec = spec;
        State.Generation = generation > 0 ? generation : State.Generation + 1;
        State.Revision++;
        State.Sizing = VllmBinding.Breakdown(sizing);
        if (resized)
        {
            State.Placements = [.. State.Placements.Where(p => p.Replica < spec.Replicas)];
        }
        else
        {
            State.Placements = []; // placed again from scratch: bindings are computed for the new spec
            State.Status = ModelStatus.Pending;
            State.Message = "Waiting for placement.";
        }

        State.UpdatedAt = time.GetUtcNow();
        await state.WriteOrRestartAsync(GrainContext, cancellationToken);
        LogApplied(logger, Key, State.Generation, spec.Model, spec.Replicas, spec.Priority);
        _ = Index.ChangedAsync(Key); // a new spec is a change whatever its placement comes to (readers of the feed mirror specs too)

        PlacementUpdate update;
        try
        {
            update = await Placement.PlaceAsync(Request(sizing), cancellationToken);
        }
        catch
        {
            // The spec is stored but the placement grain did not answer (its silo died mid-call, a timeout): ask it
            // again later, for an apply that is repeated finds the same spec and changes nothing. A waiting deployment
            // retries; a placed one that was resized verifies (the new replicas are placed then).
            ScheduleRetry();
            VerifyLater(RetryInterval);
            throw;
        }

        await ApplyUpdateAsync(update, cancellationToken);
        return new ApplyResult(ApplyOutcome.Applied, View(), null, null);
    }

    public Task<ModelView?> GetAsync() => Task.FromResult(State.Spec is null ? null : View());

    public async Task<DeleteOutcome> DeleteAsync(string? managedBy, CancellationToken cancellationToken = default)
    {
        if (State.Spec is null)
        {
            return DeleteOutcome.NotFound;
        }

        if (State.Spec.ManagedBy != managedBy)
        {
            return DeleteOutcome.ManagedElsewhere;
        }

        await Placement.ReleaseAsync(Key, cancellationToken);
        await state.ClearOrRestartAsync(GrainContext, cancellationToken);
        await IndexShard.RemoveAsync(Key, cancellationToken);
        await ForgetSloAsync(cancellationToken);
        _ = Index.ChangedAsync(Key);
        _retry?.Dispose();
        _retry = null;
        LogDeleted(logger, Key);
        DeactivateOnIdle();
        return DeleteOutcome.Deleted;
    }

    /// <summary>A deployment made again under this name starts with no SLO history. Best effort: the deletion stands.</summary>
    private async Task ForgetSloAsync(CancellationToken cancellationToken)
    {
        try
        {
            await GrainFactory.GetGrain<ISloGrain>(Key).ForgetAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSloNotForgotten(logger, Key, ex.Message);
        }
    }

    public async Task PlacementChangedAsync(PlacementUpdate update)
    {
        if (State.Spec is null || update.Revision != State.Revision)
        {
            return; // an answer about an older spec
        }

        await ApplyUpdateAsync(update, CancellationToken.None);
    }

    public async Task ResumeAsync()
    {
        if (State.Spec is null)
        {
            // Nothing is deployed under this name (deleted, or storage lost it): whatever the placement still holds for
            // it is let go, and the index forgets it.
            await Placement.ReleaseAsync(Key);
            await IndexShard.RemoveAsync(Key);
            DeactivateOnIdle();
        }
        else if (State.Status is ModelStatus.Placed or ModelStatus.Running)
        {
            await VerifyAsync(CancellationToken.None);
        }
        else
        {
            await RetryAsync(CancellationToken.None);
        }
    }

    public async Task<ModelView?> MarkRunningAsync(long generation, CancellationToken cancellationToken = default)
    {
        if (State.Spec is null || generation != State.Generation || State.Status != ModelStatus.Placed)
        {
            return State.Spec is null ? null : View();
        }

        State.Status = ModelStatus.Running;
        State.UpdatedAt = time.GetUtcNow();
        await state.WriteOrRestartAsync(GrainContext, cancellationToken);
        return View();
    }

    private async Task ApplyUpdateAsync(PlacementUpdate update, CancellationToken cancellationToken)
    {
        var sizing = ModelSizer.Size(State.Spec!);
        var placements = update.Placements.OrderBy(p => p.Replica).Select(p => Keep(p) ?? p with { Binding = VllmBinding.Build(sizing, p) }).ToList();
        var pending = update.Pending.OrderBy(p => p.Replica).ToList();
        var explanation = update.Unplaced.OrderBy(u => u.Replica).FirstOrDefault()?.Explanation;
        var (status, message) = update switch
        {
            { PreemptedBy: { } by } when update.Placements.Count < State.Spec!.Replicas =>
                (ModelStatus.Preempted, $"Preempted by {by}; waiting for room. {explanation?.Summary}".Trim()),
            { Unplaced.Count: > 0 } when State.Status == ModelStatus.Preempted && update.Placements.Count < State.Spec!.Replicas =>
                (ModelStatus.Preempted, State.Message), // still waiting for room since the preemption
            { Unplaced.Count: > 0 } when explanation is { FitsNoGpu: true } =>
                (ModelStatus.Failed, $"No GPU of the fleet can hold it: {explanation.Summary}"),
            { Unplaced.Count: > 0 } =>
                (ModelStatus.Pending, $"{update.Placements.Count} of {State.Spec!.Replicas} replica(s) placed. {explanation?.Summary}"),
            { Pending.Count: > 0 } =>
                (ModelStatus.Pending, $"{update.Placements.Count} of {State.Spec!.Replicas} replica(s) placed; waiting for {string.Join(", ", update.Pending.Select(p => p.Reason))}."),
            _ => (State.Status == ModelStatus.Running ? ModelStatus.Running : ModelStatus.Placed, $"{update.Placements.Count} replica(s) placed."),
        };

        if (status == State.Status && message == State.Message && placements.SequenceEqual(State.Placements) && pending.SequenceEqual(State.Pending) && explanation == State.Explanation)
        {
            ScheduleRetry();
            return; // the same answer again (reconciliation tells every deployment where it stands): nothing to store or announce
        }

        if (State.Status is ModelStatus.Placed or ModelStatus.Running && status is not (ModelStatus.Placed or ModelStatus.Running))
        {
            LogNoLongerPlaced(logger, Key, placements.Count, State.Spec!.Replicas, message ?? string.Empty);
        }

        State.Placements = placements;
        State.Pending = pending;
        State.Explanation = explanation;
        (State.Status, State.Message) = (status, message);
        State.UpdatedAt = time.GetUtcNow();
        await state.WriteOrRestartAsync(GrainContext, cancellationToken);
        _ = Index.ChangedAsync(Key);
        ScheduleRetry();
    }

    /// <summary>
    /// The replica as it was placed before, when it is still in the same place: its binding (and the KV cache it was
    /// computed from) changes only when the spec or the place does, never because the placement was read again.
    /// Device ids are taken afresh (a node that restarts may number its devices anew).
    /// </summary>
    private ReplicaPlacement? Keep(ReplicaPlacement placement) =>
        State.Placements.FirstOrDefault(p => p.Replica == placement.Replica) is { } before
        && before.Node == placement.Node && before.Gpu == placement.Gpu && before.FirstPartition == placement.FirstPartition && before.Span == placement.Span
        && before.ComputeMode == placement.ComputeMode && before.MemoryMode == placement.MemoryMode
            ? before with { Devices = placement.Devices.Count > 0 && !placement.Devices.SequenceEqual(before.Devices) ? placement.Devices : before.Devices }
            : null;

    /// <summary>
    /// A placed deployment asks where it stands; the placement grain places again what it no longer holds. Asked
    /// again every <see cref="RetryInterval"/> until the placement grain answers.
    /// </summary>
    private void VerifyLater(TimeSpan dueTime) =>
        _verify ??= this.RegisterGrainTimer(static (self, ct) => self.VerifyAsync(ct), this, new GrainTimerCreationOptions { DueTime = dueTime, Period = RetryInterval, KeepAlive = true });

    private async Task VerifyAsync(CancellationToken cancellationToken)
    {
        if (State.Spec is not null && State.Status is ModelStatus.Placed or ModelStatus.Running)
        {
            var update = await Placement.PlaceAsync(Request(ModelSizer.Size(State.Spec)), cancellationToken); // a failure: the timer asks again
            if (update.Revision == State.Revision)
            {
                await ApplyUpdateAsync(update, cancellationToken);
            }
        }

        // Done (disposing a timer cancels the token its callback runs with: nothing may follow).
        _verify?.Dispose();
        _verify = null;
    }

    private void ScheduleRetry()
    {
        var waiting = State.Spec is not null && State.Status is ModelStatus.Pending or ModelStatus.Preempted;
        if (waiting && _retry is null)
        {
            _retry = this.RegisterGrainTimer(static (self, ct) => self.RetryAsync(ct), this, new GrainTimerCreationOptions { DueTime = RetryInterval, Period = RetryInterval, KeepAlive = true });
        }
        else if (!waiting && _retry is not null)
        {
            _retry.Dispose();
            _retry = null;
        }
    }

    private async Task RetryAsync(CancellationToken cancellationToken)
    {
        if (State.Spec is null || State.Status is not (ModelStatus.Pending or ModelStatus.Preempted))
        {
            return;
        }

        var update = await Placement.PlaceAsync(Request(ModelSizer.Size(State.Spec)), cancellationToken);
        await ApplyUpdateAsync(update, cancellationToken);
    }

    private PlacementRequest Request(SizingResult sizing) => new(
        Key,
        State.Revision,
        State.Spec!.Replicas,
        State.Spec.Priority,
        State.Spec.EffectiveIsolation,
        sizing.WeightsBytes,
        sizing.KvTargetBytes,
        sizing.KvMinBytes,
        sizing.ActivationBytes,
        sizing.MaxTensorParallel,
        State.Spec.Node,
        State.Spec.Gpu);

    private ModelView View()
    {
        var slash = Key.IndexOf('/', StringComparison.Ordinal);
        return new ModelView(
            Key[..slash],
            Key[(slash + 1)..],
            State.Generation,
            State.Spec!,
            State.Status,
            State.Message,
            State.Sizing,
            State.Placements,
            State.Pending,
            State.Explanation,
            State.UpdatedAt);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleted {Deployment}, but its SLO history could not be cleared ({Error}); a deployment made again under its name would see it")]
    private static partial void LogSloNotForgotten(ILogger logger, string deployment, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Model} generation {Generation}: {Spec} × {Replicas}, {Priority}")]
    private static partial void LogApplied(ILogger logger, string model, long generation, string spec, int replicas, Priority priority);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {Model} no longer holds every replica ({Placed} of {Replicas}): {Message}")]
    private static partial void LogNoLongerPlaced(ILogger logger, string model, int placed, int replicas, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Model} deleted")]
    private static partial void LogDeleted(ILogger logger, string model);
}

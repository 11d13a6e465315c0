using GpuSharing.Grains.Interfaces.Fleet;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Placement;
using GpuSharing.Grains.Placement;
using GpuSharing.Grains.Planning.Sizing;
using Microsoft.Extensions.Logging;

namespace GpuSharing.Grains.Models;

/// <summary>
/// A model deployment. Apply sizes the spec (a bad value or an unknown model is refused before anything is stored),
/// stores it with its generation and asks the pool's placement grain for room; the answer (reserved, waiting for a
/// repartition, or not placed with the reasons) becomes the status. While not fully placed it asks again every
/// <see cref="RetryPeriod"/>, so that no deployment stays pending because a notification was lost.
/// </summary>
[ControlPlanePlacement]
public sealed partial class ModelGrain(
    [PersistentState("model", StorageNames.ControlPlane)] IPersistentState<ModelGrainState> state,
    TimeProvider time,
    ILogger<ModelGrain> logger) : Grain, IModelGrain
{
    private static readonly TimeSpan RetryPeriod = TimeSpan.FromSeconds(15);
    private IGrainTimer? _retry;

    private ModelGrainState State => state.State;

    private string Key => this.GetPrimaryKeyString();

    private IPlacementGrain Placement => GrainFactory.GetGrain<IPlacementGrain>(Pools.Default);

    private IModelIndexGrain Index => GrainFactory.GetGrain<IModelIndexGrain>(Pools.Default);

    private IModelIndexShardGrain IndexShard => GrainFactory.GetGrain<IModelIndexShardGrain>(ModelIndexShards.For(Pools.Default, Key));

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        ScheduleRetry();
        return Task.CompletedTask;
    }

    public async Task<ApplyResult> ApplyAsync(DeploymentSpec spec, long generation, CancellationToken cancellationToken = default)
    {
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
                await state.WriteStateAsync(cancellationToken);
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

        State.Spec = spec;
        State.Generation = generation > 0 ? generation : State.Generation + 1;
        State.Revision++;
        State.Sizing = VllmBinding.Breakdown(sizing);
        State.Status = ModelStatus.Pending;
        State.Message = "Waiting for placement.";
        State.UpdatedAt = time.GetUtcNow();
        await state.WriteStateAsync(cancellationToken);
        LogApplied(logger, Key, State.Generation, spec.Model, spec.Replicas, spec.Priority);

        var update = await Placement.PlaceAsync(Request(sizing), cancellationToken);
        await ApplyUpdateAsync(update, cancellationToken);
        return new ApplyResult(ApplyOutcome.Applied, View(), null, null);
    }

    public Task<ModelView?> GetAsync() => Task.FromResult(State.Spec is null ? null : View());

    public async Task<bool> DeleteAsync(CancellationToken cancellationToken = default)
    {
        if (State.Spec is null)
        {
            return false;
        }

        await Placement.ReleaseAsync(Key, cancellationToken);
        await state.ClearStateAsync(cancellationToken);
        await IndexShard.RemoveAsync(Key, cancellationToken);
        _ = Index.ChangedAsync(Key);
        _retry?.Dispose();
        _retry = null;
        LogDeleted(logger, Key);
        DeactivateOnIdle();
        return true;
    }

    public async Task PlacementChangedAsync(PlacementUpdate update)
    {
        if (State.Spec is null || update.Revision != State.Revision)
        {
            return; // an answer about an older spec
        }

        await ApplyUpdateAsync(update, CancellationToken.None);
    }

    public Task ResumeAsync() => RetryAsync(CancellationToken.None);

    public async Task<ModelView?> MarkRunningAsync(long generation, CancellationToken cancellationToken = default)
    {
        if (State.Spec is null || generation != State.Generation || State.Status != ModelStatus.Placed)
        {
            return State.Spec is null ? null : View();
        }

        State.Status = ModelStatus.Running;
        State.UpdatedAt = time.GetUtcNow();
        await state.WriteStateAsync(cancellationToken);
        return View();
    }

    private async Task ApplyUpdateAsync(PlacementUpdate update, CancellationToken cancellationToken)
    {
        var sizing = ModelSizer.Size(State.Spec!);
        State.Placements = [.. update.Placements.OrderBy(p => p.Replica).Select(p => p with { Binding = VllmBinding.Build(sizing, p) })];
        State.Pending = [.. update.Pending.OrderBy(p => p.Replica)];
        State.Explanation = update.Unplaced.OrderBy(u => u.Replica).FirstOrDefault()?.Explanation;
        var wasRunning = State.Status == ModelStatus.Running;
        (State.Status, State.Message) = update switch
        {
            { PreemptedBy: { } by } when update.Placements.Count < State.Spec!.Replicas =>
                (ModelStatus.Preempted, $"Preempted by {by}; waiting for room. {State.Explanation?.Summary}".Trim()),
            { Unplaced.Count: > 0 } when State.Explanation is { FitsNoGpu: true } =>
                (ModelStatus.Failed, $"No GPU of the fleet can hold it: {State.Explanation.Summary}"),
            { Unplaced.Count: > 0 } =>
                (ModelStatus.Pending, $"{update.Placements.Count} of {State.Spec!.Replicas} replica(s) placed. {State.Explanation?.Summary}"),
            { Pending.Count: > 0 } =>
                (ModelStatus.Pending, $"{update.Placements.Count} of {State.Spec!.Replicas} replica(s) placed; waiting for {string.Join(", ", update.Pending.Select(p => p.Reason))}."),
            _ => (wasRunning ? ModelStatus.Running : ModelStatus.Placed, $"{update.Placements.Count} replica(s) placed."),
        };
        State.UpdatedAt = time.GetUtcNow();
        await state.WriteStateAsync(cancellationToken);
        _ = Index.ChangedAsync(Key);
        ScheduleRetry();
    }

    private void ScheduleRetry()
    {
        var waiting = State.Spec is not null && State.Status is ModelStatus.Pending or ModelStatus.Preempted;
        if (waiting && _retry is null)
        {
            _retry = this.RegisterGrainTimer(static (self, ct) => self.RetryAsync(ct), this, new GrainTimerCreationOptions { DueTime = RetryPeriod, Period = RetryPeriod, KeepAlive = true });
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Model} generation {Generation}: {Spec} × {Replicas}, {Priority}")]
    private static partial void LogApplied(ILogger logger, string model, long generation, string spec, int replicas, Priority priority);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Model} deleted")]
    private static partial void LogDeleted(ILogger logger, string model);
}

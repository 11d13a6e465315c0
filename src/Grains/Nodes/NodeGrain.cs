using System.Globalization;
using GpuSharing.Grains.Interfaces;
using GpuSharing.Grains.Interfaces.Fleet;
using GpuSharing.Grains.Interfaces.Gpus;
using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Interfaces.Nodes;
using GpuSharing.Grains.Interfaces.Placement;
using GpuSharing.Grains.Placement;
using GpuSharing.Grains.Storage;
using Microsoft.Extensions.Logging;

namespace GpuSharing.Grains.Nodes;

/// <summary>
/// A GPU node as the control plane sees it. It lives on a control-plane silo, so when the node's silo dies it still
/// answers, with every GPU <see cref="GpuState.Unreachable"/> and its last layout and reservations intact. All
/// partitioning requests for the node enter here; memory-mode changes, which reload the driver under every GPU of
/// the node, run here: every GPU must be drained (no reservations, no processes) or the request is refused with the
/// list of what holds them; the memory mode is set once through the node's first GPU; after the reload every GPU is
/// re-read and given a compute mode valid with the new memory mode (the requested one for the target GPU, its
/// previous one for the others where still valid, else the one the driver chose). A failure rolls every GPU back to
/// its previous verified layout; a timeout leaves them Degraded.
/// </summary>
[ControlPlanePlacement]
public sealed partial class NodeGrain(
    [PersistentState("node", StorageNames.Hardware)] IPersistentState<NodeGrainState> state,
    INodeReachability reachability,
    TimeProvider time,
    ILogger<NodeGrain> logger) : Grain, INodeGrain
{
    private static readonly TimeSpan WriteBehind = TimeSpan.FromSeconds(1);

    private Task _background = Task.CompletedTask;
    private IGrainTimer? _writeBehind;

    private enum ReportKind
    {
        Older,
        StateChanged,
        ReservationsOnly,
    }

    private NodeGrainState State => state.State;

    private string Name => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (State.Operation is { IsRunning: true } interrupted)
        {
            // The control silo that ran the operation went down; nobody can tell which step completed.
            var error = new DeviceError(DeviceErrorKind.Failed, null, "Interrupted: the control-plane silo running this node-wide operation stopped.");
            foreach (var index in interrupted.Gpus.Where(_ => reachability.IsReachable(Name)))
            {
                await Gpu(index).AbandonNodeOperationAsync(interrupted.Id, error, cancellationToken);
            }

            State.Operation = interrupted with { Status = OperationStatus.Degraded, Error = error, CompletedAt = time.GetUtcNow() };
            await state.WriteOrRestartAsync(GrainContext, cancellationToken);
        }
    }

    public async Task RegisterAsync(NodeRegistration registration, CancellationToken cancellationToken = default)
    {
        State.Registration = registration;
        foreach (var stale in State.Gpus.Keys.Where(k => !registration.Gpus.Contains(k)).ToList())
        {
            State.Gpus.Remove(stale);
        }

        await state.WriteOrRestartAsync(GrainContext, cancellationToken);
        await GrainFactory.GetGrain<IFleetGrain>(Pools.Default).AddNodeAsync(Name, cancellationToken);
        GrainFactory.GetGrain<IPlacementGrain>(Pools.Default).FleetChangedAsync(Name).Ignore();
        LogRegistered(logger, Name, registration.Backend, registration.Gpus.Count, registration.Silo);
    }

    public async Task ReportGpuAsync(GpuView view)
    {
        switch (Remember(view))
        {
            case ReportKind.StateChanged:
                await state.WriteOrRestartAsync(GrainContext, CancellationToken.None);
                break;
            case ReportKind.ReservationsOnly:
                // A GPU reports every reservation change, and this state holds every GPU of the node: written at
                // once it would cost O(node) per reservation. The GPUs and partitions keep the truth; this copy (for
                // when the node is down) is written within WriteBehind.
                _writeBehind ??= this.RegisterGrainTimer(static (self, ct) => self.FlushAsync(ct), this, new GrainTimerCreationOptions { DueTime = WriteBehind, Period = Timeout.InfiniteTimeSpan });
                break;
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_writeBehind is not null)
        {
            await FlushAsync(cancellationToken);
        }
    }

    // The timer that runs this is disposed only after the write: disposing it first cancels the token the write was
    // given, and the write-behind never reached storage. The write runs to completion (a flush half done is no flush).
    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        var timer = _writeBehind;
        _writeBehind = null;
        try
        {
            await state.WriteOrRestartAsync(GrainContext, CancellationToken.None);
        }
        finally
        {
            timer?.Dispose();
        }
    }

    /// <summary>Keeps the newest view of a GPU (reports are one-way and may arrive late), and says what changed.</summary>
    private ReportKind Remember(GpuView view)
    {
        if (State.Gpus.TryGetValue(view.Index, out var known) && known.Version > view.Version)
        {
            return ReportKind.Older; // an older report overtaken by a newer one
        }

        var changed = known is null || known.State != view.State || known.ComputeMode != view.ComputeMode || known.MemoryMode != view.MemoryMode;
        State.Gpus[view.Index] = view;
        if (changed)
        {
            // One-way: the placement grain calls nodes, so a node never waits on it.
            GrainFactory.GetGrain<IPlacementGrain>(Pools.Default).FleetChangedAsync(Name).Ignore();
        }

        if (view.MemoryMode is { } memory && view.State == GpuState.Ready)
        {
            State.MemoryMode = memory;
        }

        return changed ? ReportKind.StateChanged : ReportKind.ReservationsOnly;
    }

    public Task<NodeView> GetAsync() => Task.FromResult(View());

    public Task<GpuView?> GetGpuAsync(int gpuIndex) =>
        Task.FromResult(View().Gpus.FirstOrDefault(g => g.Index == gpuIndex));

    public Task<PartitioningOperation?> GetOperationAsync(int gpuIndex)
    {
        var own = State.Gpus.GetValueOrDefault(gpuIndex)?.Operation;
        var nodeWide = State.Operation is { } operation && operation.Gpus.Contains(gpuIndex) ? operation : null;
        var answer = nodeWide is not null && (own is null || own.Id == nodeWide.Id || own.StartedAt <= nodeWide.StartedAt) ? nodeWide : own;
        return Task.FromResult(answer);
    }

    public async Task<PartitioningDecision> RequestPartitioningAsync(int gpuIndex, PartitioningRequest request, CancellationToken cancellationToken = default)
    {
        if (!State.Gpus.TryGetValue(gpuIndex, out var gpu))
        {
            return PartitioningDecision.Rejected(PartitioningOutcome.NotFound, $"Node '{Name}' has no GPU {gpuIndex}.");
        }

        if (!reachability.IsReachable(Name))
        {
            return PartitioningDecision.Rejected(PartitioningOutcome.Unreachable, $"Node '{Name}' is unreachable: its silo is not an active member of the cluster.");
        }

        if (State.Operation is { IsRunning: true } running)
        {
            return PartitioningDecision.Rejected(PartitioningOutcome.Busy, $"Node '{Name}' is running node-wide operation {running.Id}.", [$"operation {running.Id}"]);
        }

        if (State.Registration is { CanSetPartitions: false } registration)
        {
            return PartitioningDecision.Rejected(PartitioningOutcome.Unsupported, $"Node '{Name}' cannot set partitions: {registration.CannotSetPartitionsReason ?? $"it is an SR-IOV guest ({registration.Platform})"}.");
        }

        if (gpu.State == GpuState.Unsupported)
        {
            return PartitioningDecision.Rejected(PartitioningOutcome.Unsupported, gpu.StateReason ?? $"GPU {gpuIndex} cannot be partitioned.");
        }

        var memory = request.MemoryMode ?? gpu.MemoryMode ?? State.MemoryMode ?? MemoryMode.NPS1;
        if (Gpus.PartitioningRules.ExplainInvalid(gpu.Capabilities, gpu.Model, request.ComputeMode, memory) is { } reason)
        {
            return PartitioningDecision.Rejected(PartitioningOutcome.InvalidCombination, reason, null, gpu.Capabilities.Source);
        }

        var operationId = NewOperationId(gpuIndex);
        if (memory == (gpu.MemoryMode ?? State.MemoryMode))
        {
            return await Gpu(gpuIndex).StartComputeChangeAsync(operationId, request with { MemoryMode = memory }, cancellationToken);
        }

        return await StartMemoryChangeAsync(operationId, gpuIndex, new PartitionLayout(request.ComputeMode, memory), cancellationToken);
    }

    private async Task<PartitioningDecision> StartMemoryChangeAsync(string operationId, int gpuIndex, PartitionLayout target, CancellationToken cancellationToken)
    {
        var gpus = State.Gpus.Values.OrderBy(g => g.Index).ToList();
        var unsupported = gpus.Where(g => !g.Capabilities.MemoryModes.Contains(target.MemoryMode)).ToList();
        if (unsupported.Count > 0)
        {
            return PartitioningDecision.Rejected(
                PartitioningOutcome.InvalidCombination,
                $"Memory mode {target.MemoryMode} applies to every GPU of node '{Name}', and {string.Join(", ", unsupported.Select(g => $"GPU {g.Index} ({g.Model})"))} do(es) not support it.",
                null,
                unsupported[0].Capabilities.Source);
        }

        var requested = State.Gpus[gpuIndex];
        var operation = new PartitioningOperation(
            operationId,
            Name,
            OperationScope.Node,
            gpuIndex,
            [.. gpus.Select(g => g.Index)],
            target,
            requested.ComputeMode is { } c && requested.MemoryMode is { } m ? new PartitionLayout(c, m) : null,
            OperationStatus.Running,
            GpuState.Draining,
            [new OperationStep(GpuState.Draining, time.GetUtcNow(), $"Draining all {gpus.Count} GPU(s) of the node: a memory-mode change reloads the driver under every one of them.")],
            null,
            time.GetUtcNow(),
            null);

        // Drain every GPU first; one refusal and nothing happens at all.
        var begun = new List<int>();
        var blockers = new List<string>();
        foreach (var gpu in gpus)
        {
            var result = await Gpu(gpu.Index).BeginNodeOperationAsync(operation, cancellationToken);
            await ReportGpuAsync(result.View); // the answer's view, not the one-way report that may still be on its way
            if (result.Succeeded)
            {
                begun.Add(gpu.Index);
            }
            else
            {
                blockers.AddRange(result.Blockers.Count > 0 ? result.Blockers : [$"GPU {gpu.Index}: {result.Error?.Message}"]);
            }
        }

        if (blockers.Count > 0)
        {
            foreach (var index in begun)
            {
                await ReportGpuAsync(await Gpu(index).ReleaseNodeOperationAsync(operationId, cancellationToken));
            }

            return PartitioningDecision.Rejected(PartitioningOutcome.Busy, $"Memory mode {target.MemoryMode} needs every GPU of node '{Name}' drained.", blockers);
        }

        var previous = gpus.ToDictionary(g => g.Index, g => g.ComputeMode);
        var previousMemory = requested.MemoryMode ?? State.MemoryMode ?? MemoryMode.NPS1;
        State.Operation = operation;
        await state.WriteOrRestartAsync(GrainContext, cancellationToken);
        LogMemoryChangeStarted(logger, operationId, Name, previousMemory, target.MemoryMode, gpus.Count);
        this.DelayDeactivation(TimeSpan.FromHours(1));
        _background = RunMemoryChangeAsync(operation, previous, previousMemory);
        return PartitioningDecision.Accepted(operation);
    }

    private async Task RunMemoryChangeAsync(PartitioningOperation operation, Dictionary<int, ComputeMode?> previousCompute, MemoryMode previousMemory)
    {
        var cancellationToken = CancellationToken.None; // the operation outlives the request that started it
        var gpus = operation.Gpus;
        var primary = gpus[0];
        DeviceError? failure = null;
        var memorySet = false; // once set, a memory mode may wait for a reload that never came: the device "looks" unchanged
        try
        {
            foreach (var index in gpus.Where(i => i != primary))
            {
                await Gpu(index).EnterStepAsync(operation.Id, GpuState.SettingMemory, $"Node-wide: memory mode {operation.Target.MemoryMode} is set through GPU {primary}.", cancellationToken);
            }

            await StepAsync(GpuState.SettingMemory, $"amd-smi set --memory-partition {operation.Target.MemoryMode} through GPU {primary}", cancellationToken);
            var applied = await Gpu(primary).ApplyMemoryModeAsync(operation.Id, operation.Target.MemoryMode, cancellationToken);
            memorySet = applied.View.Operation?.Steps.Any(step => step.State == GpuState.ReloadingDriver) == true;
            if (!applied.Succeeded)
            {
                failure = applied.Error;
            }
            else
            {
                await StepAsync(GpuState.ReloadingDriver, "The amdgpu driver was reloaded; re-reading every GPU.", cancellationToken);
                foreach (var index in gpus)
                {
                    // The requested GPU gets its target; the others keep their compute mode where it is still valid.
                    var compute = index == operation.RequestedGpu ? operation.Target.ComputeMode : previousCompute[index];
                    var valid = compute is { } c && State.Gpus[index].Capabilities.Supports(c, operation.Target.MemoryMode) ? compute : null;
                    await StepAsync(GpuState.Verifying, $"GPU {index}: re-reading the device in {operation.Target.MemoryMode}{(valid is { } mode ? $", compute mode {mode}" : string.Empty)}.", cancellationToken);
                    var completed = await Gpu(index).CompleteNodeOperationAsync(operation.Id, operation.Target.MemoryMode, valid, OperationStatus.Succeeded, null, cancellationToken);

                    // The operation ends only once every GPU's verified view is here, not when its one-way report lands.
                    Remember(completed.View);
                    if (!completed.Succeeded)
                    {
                        failure = completed.Error;
                        break;
                    }
                }
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            failure = new DeviceError(DeviceErrorKind.Failed, null, $"Unexpected failure: {ex.Message}");
        }

        if (failure is null)
        {
            State.MemoryMode = operation.Target.MemoryMode;
            await FinishAsync(OperationStatus.Succeeded, null, "Every GPU verified in the new memory mode.", cancellationToken);
            return;
        }

        if (failure.Kind == DeviceErrorKind.Timeout)
        {
            await AbandonAsync(operation, failure, cancellationToken);
            return;
        }

        await RollBackAsync(operation, previousCompute, previousMemory, failure, !memorySet, cancellationToken);
    }

    private async Task RollBackAsync(PartitioningOperation operation, Dictionary<int, ComputeMode?> previousCompute, MemoryMode previousMemory, DeviceError failure, bool maybeUnchanged, CancellationToken cancellationToken)
    {
        if (maybeUnchanged && await EndIfUnchangedAsync(operation, previousCompute, previousMemory, failure, cancellationToken))
        {
            return;
        }

        LogRollingBack(logger, operation.Id, Name, failure.ToString());
        State.Operation = State.Operation! with { Error = failure };
        await StepAsync(GpuState.RollingBack, $"{failure} Restoring {previousMemory} and every GPU's previous compute mode.", cancellationToken);
        try
        {
            foreach (var index in operation.Gpus)
            {
                await Gpu(index).EnterStepAsync(operation.Id, GpuState.RollingBack, $"Node-wide rollback to {previousMemory}: {failure.Message}", cancellationToken);
            }

            var restored = await Gpu(operation.Gpus[0]).ApplyMemoryModeAsync(operation.Id, previousMemory, cancellationToken);
            if (!restored.Succeeded)
            {
                await AbandonAsync(operation, Combine(failure, restored.Error), cancellationToken);
                return;
            }

            foreach (var index in operation.Gpus)
            {
                var completed = await Gpu(index).CompleteNodeOperationAsync(operation.Id, previousMemory, previousCompute[index], OperationStatus.RolledBack, failure, cancellationToken);
                Remember(completed.View);
                if (!completed.Succeeded)
                {
                    await AbandonAsync(operation, Combine(failure, completed.Error), cancellationToken);
                    return;
                }
            }

            State.MemoryMode = previousMemory;
            await FinishAsync(OperationStatus.RolledBack, failure, $"Every GPU verified back in {previousMemory}.", cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await AbandonAsync(operation, Combine(failure, new DeviceError(DeviceErrorKind.Failed, null, ex.Message)), cancellationToken);
        }
    }

    /// <summary>
    /// A step failed — but maybe before anything changed (no permission to set, a busy device): when a re-read shows
    /// every GPU exactly as it was, there is nothing to roll back (and a rollback would fail the same way): every GPU
    /// is verified, Ready again, and the operation ends Failed with the error. False when anything changed.
    /// </summary>
    private async Task<bool> EndIfUnchangedAsync(PartitioningOperation operation, Dictionary<int, ComputeMode?> previousCompute, MemoryMode previousMemory, DeviceError failure, CancellationToken cancellationToken)
    {
        foreach (var index in operation.Gpus)
        {
            var layout = await Gpu(index).ReadLayoutAsync(cancellationToken);
            if (layout is null || layout.MemoryMode != previousMemory || (previousCompute[index] is { } compute && layout.ComputeMode != compute))
            {
                return false;
            }
        }

        State.Operation = State.Operation! with { Error = failure };
        await StepAsync(GpuState.Verifying, $"{failure} A re-read shows every GPU as it was ({previousMemory}): nothing to roll back.", cancellationToken);
        foreach (var index in operation.Gpus)
        {
            var completed = await Gpu(index).CompleteNodeOperationAsync(operation.Id, previousMemory, previousCompute[index], OperationStatus.Failed, failure, cancellationToken);
            Remember(completed.View);
            if (!completed.Succeeded)
            {
                await AbandonAsync(operation, Combine(failure, completed.Error), cancellationToken);
                return true;
            }
        }

        State.MemoryMode = previousMemory;
        await FinishAsync(OperationStatus.Failed, failure, $"Every GPU verified as it was in {previousMemory}.", cancellationToken);
        LogFailedUnchanged(logger, operation.Id, Name, failure.ToString());
        return true;
    }

    private async Task AbandonAsync(PartitioningOperation operation, DeviceError error, CancellationToken cancellationToken)
    {
        foreach (var index in operation.Gpus)
        {
            await Gpu(index).AbandonNodeOperationAsync(operation.Id, error, cancellationToken);
        }

        await FinishAsync(OperationStatus.Degraded, error, "The node's GPUs are Degraded: their state is not verified.", cancellationToken);
        LogDegraded(logger, operation.Id, Name, error.ToString());
    }

    private static DeviceError Combine(DeviceError first, DeviceError? second) =>
        second is null ? first : new DeviceError(second.Kind, second.StatusCode, $"{first.Message} Rollback failed: {second.Message}");

    private async Task StepAsync(GpuState step, string detail, CancellationToken cancellationToken)
    {
        State.Operation = State.Operation! with { Step = step, Steps = [.. State.Operation.Steps, new OperationStep(step, time.GetUtcNow(), detail)] };
        await state.WriteOrRestartAsync(GrainContext, cancellationToken);
    }

    private async Task FinishAsync(OperationStatus status, DeviceError? error, string detail, CancellationToken cancellationToken)
    {
        var final = status == OperationStatus.Degraded ? GpuState.Degraded : GpuState.Ready;
        State.Operation = State.Operation! with
        {
            Status = status,
            Step = final,
            Steps = [.. State.Operation.Steps, new OperationStep(final, time.GetUtcNow(), detail)],
            Error = error,
            CompletedAt = time.GetUtcNow(),
        };
        await state.WriteOrRestartAsync(GrainContext, cancellationToken);
        LogMemoryChangeFinished(logger, State.Operation.Id, Name, status);
    }

    private NodeView View()
    {
        var reachable = reachability.IsReachable(Name);
        var gpus = State.Gpus.Values
            .OrderBy(g => g.Index)
            .Select(g => reachable ? g : g with
            {
                State = GpuState.Unreachable,
                StateReason = $"The silo of node '{Name}' is down; last known state {g.State}. Reservations are kept.",
            })
            .ToList();
        return new NodeView(Name, reachable, State.MemoryMode, State.Registration, gpus, State.Operation);
    }

    private IGpuGrain Gpu(int index) => GrainFactory.GetGrain<IGpuGrain>(GrainKeys.Gpu(Name, index));

    private string NewOperationId(int gpuIndex) =>
        string.Create(CultureInfo.InvariantCulture, $"op-{time.GetUtcNow():yyyyMMddHHmmss}-{Name}-{gpuIndex}-{Guid.NewGuid().ToString("N")[..6]}");

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node} registered: {Backend}, {GpuCount} GPU(s), silo {Silo}")]
    private static partial void LogRegistered(ILogger logger, string node, string backend, int gpuCount, string silo);

    [LoggerMessage(Level = LogLevel.Information, Message = "Operation {Operation}: node {Node} memory {Previous} → {Target} across {GpuCount} GPU(s)")]
    private static partial void LogMemoryChangeStarted(ILogger logger, string operation, string node, MemoryMode previous, MemoryMode target, int gpuCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Operation {Operation}: node {Node} {Status}")]
    private static partial void LogMemoryChangeFinished(ILogger logger, string operation, string node, OperationStatus status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Operation {Operation}: node {Node} failed ({Error}); rolling back")]
    private static partial void LogRollingBack(ILogger logger, string operation, string node, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Operation {Operation}: node {Node} failed before anything changed ({Error}); every GPU is as it was")]
    private static partial void LogFailedUnchanged(ILogger logger, string operation, string node, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Operation {Operation}: node {Node} is Degraded: {Error}")]
    private static partial void LogDegraded(ILogger logger, string operation, string node, string error);
}

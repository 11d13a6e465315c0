using GpuSharing.Grains.Interfaces.Gpus;
using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Storage;
using Microsoft.Extensions.Logging;

namespace GpuSharing.Grains.Nodes;

/// <summary>
/// The node-wide memory-mode change: every GPU drained or nothing happens; the mode set once through the node's first
/// GPU; every GPU re-read and given a compute mode valid with the new memory mode; a failure rolls every GPU back to its
/// previous verified layout, a timeout leaves them Degraded.
/// </summary>
public sealed partial class NodeGrain
{
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
        var operation = PartitioningOperation.Start(
            operationId,
            Name,
            OperationScope.Node,
            gpuIndex,
            [.. gpus.Select(g => g.Index)],
            target,
            requested.ComputeMode is { } c && requested.MemoryMode is { } m ? new PartitionLayout(c, m) : null,
            time.GetUtcNow(),
            $"Draining all {gpus.Count} GPU(s) of the node: a memory-mode change reloads the driver under every one of them.");

        // Drain every GPU first; one refusal and nothing happens at all.
        var begun = new List<int>();
        var blockers = new List<Blocker>();
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
                blockers.AddRange(result.Blockers.Count > 0 ? result.Blockers : [new Blocker(BlockerKind.Device, $"GPU {gpu.Index}: {result.Error?.Message}")]);
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
        State.Operation = State.Operation!.WithStep(step, time.GetUtcNow(), detail);
        await state.WriteOrRestartAsync(GrainContext, cancellationToken);
    }

    private async Task FinishAsync(OperationStatus status, DeviceError? error, string detail, CancellationToken cancellationToken)
    {
        var final = status == OperationStatus.Degraded ? GpuState.Degraded : GpuState.Ready;
        State.Operation = State.Operation!.Close(status, final, error, time.GetUtcNow(), detail);
        await state.WriteOrRestartAsync(GrainContext, cancellationToken);
        LogMemoryChangeFinished(logger, State.Operation.Id, Name, status);
    }

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

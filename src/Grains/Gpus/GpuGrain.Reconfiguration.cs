using GpuSharing.Grains.Hardware;
using GpuSharing.Grains.Hardware.Catalog;
using GpuSharing.Grains.Interfaces.Gpus;
using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Interfaces.Partitions;
using Microsoft.Extensions.Logging;

using GpuSharing.Grains.Storage;

namespace GpuSharing.Grains.Gpus;

/// <summary>
/// The reconfiguration state machine: <c>Draining → [SettingMemory → ReloadingDriver] → SettingCompute → Verifying →
/// Ready</c>; on a failure <c>Failed → RollingBack → Verifying → Ready</c> (the operation ends RolledBack), and when
/// the device can no longer be trusted (a timeout, a failed rollback) <c>Degraded</c>.
/// </summary>
public sealed partial class GpuGrain
{
    private const string Drained = "No reservations and no processes: stopped new reservations.";

    public async Task<PartitioningDecision> StartComputeChangeAsync(string operationId, PartitioningRequest request, CancellationToken cancellationToken = default)
    {
        if (Saved.Device is not { } device || device.Model is null)
        {
            return PartitioningDecision.Rejected(PartitioningOutcome.Unsupported, $"GPU {_node}/{_index} cannot be partitioned: {Saved.StateReason ?? "it was not discovered"}.");
        }

        // What can never succeed is refused as such, busy or not.
        var memory = request.MemoryMode ?? device.MemoryMode ?? MemoryMode.NPS1;
        if (PartitioningRules.ExplainInvalid(device.Capabilities, device.Model, request.ComputeMode, memory) is { } reason)
        {
            return PartitioningDecision.Rejected(PartitioningOutcome.InvalidCombination, reason, null, device.Capabilities.Source);
        }

        if (memory != device.MemoryMode)
        {
            return PartitioningDecision.Rejected(PartitioningOutcome.InvalidCombination, $"The node is in {device.MemoryMode}; a memory-mode change is a node-wide operation.");
        }

        if (IsRunning)
        {
            return PartitioningDecision.Rejected(PartitioningOutcome.Busy, $"GPU {_node}/{_index} is already being reconfigured (operation {Saved.Operation!.Id}).", [new Blocker(BlockerKind.Operation, $"operation {Saved.Operation.Id}")]);
        }

        var blockers = await DrainAsync(operationId, cancellationToken);
        if (blockers.Count > 0)
        {
            return PartitioningDecision.Rejected(PartitioningOutcome.Busy, $"GPU {_node}/{_index} is in use; it must be drained first.", blockers);
        }

        var operation = NewOperation(operationId, OperationScope.Gpu, [_index], new PartitionLayout(request.ComputeMode, memory), device);
        Saved.PreviousOperation = Saved.Operation;
        Saved.Operation = operation;
        SetState(GpuState.Draining, null);
        await SaveAsync(cancellationToken);
        LogOperationStarted(logger, operation.Id, _node, _index, operation.Previous?.ToString() ?? "?", operation.Target.ToString());
        RunInBackground(() => RunComputeChangeAsync(operation.Target));
        return PartitioningDecision.Accepted(Saved.Operation);
    }

    public async Task<StepResult> BeginNodeOperationAsync(PartitioningOperation operation, CancellationToken cancellationToken = default)
    {
        if (IsRunning && Saved.Operation!.Id != operation.Id)
        {
            return StepResult.Fail(new DeviceError(DeviceErrorKind.Busy, null, $"GPU {_node}/{_index} is being reconfigured (operation {Saved.Operation.Id})."), View(), [new Blocker(BlockerKind.Operation, $"GPU {_index}: operation {Saved.Operation.Id}")]);
        }

        if (Saved.Device is not { Model: not null })
        {
            return StepResult.Fail(new DeviceError(DeviceErrorKind.NotSupported, null, $"GPU {_node}/{_index} cannot be partitioned."), View());
        }

        var blockers = await DrainAsync(operation.Id, cancellationToken);
        if (blockers.Count > 0)
        {
            return StepResult.Fail(new DeviceError(DeviceErrorKind.Busy, null, $"GPU {_node}/{_index} is in use."), View(), blockers);
        }

        Saved.PreviousOperation = Saved.Operation;
        Saved.Operation = operation with { Step = GpuState.Draining, Steps = [new OperationStep(GpuState.Draining, time.GetUtcNow(), Drained)] };
        SetState(GpuState.Draining, null);
        await SaveAsync(cancellationToken);
        return StepResult.Ok(View());
    }

    public async Task<GpuView> ReleaseNodeOperationAsync(string operationId, CancellationToken cancellationToken = default)
    {
        await ThawAllAsync(operationId, cancellationToken);
        if (Saved.Operation?.Id == operationId)
        {
            Saved.Operation = Saved.PreviousOperation;
            SetState(GpuState.Ready, null);
            await SaveAsync(cancellationToken);
        }

        return View();
    }

    public async Task<GpuView> EnterStepAsync(string operationId, GpuState step, string detail, CancellationToken cancellationToken = default)
    {
        if (Saved.Operation?.Id == operationId && Saved.Operation.IsRunning)
        {
            await RecordAsync(step, detail, cancellationToken);
        }

        return View();
    }

    public async Task<StepResult> ApplyMemoryModeAsync(string operationId, MemoryMode memoryMode, CancellationToken cancellationToken = default)
    {
        if (Saved.Operation?.Id != operationId)
        {
            return StepResult.Fail(new DeviceError(DeviceErrorKind.Failed, null, $"GPU {_node}/{_index} is not part of operation {operationId}."), View());
        }

        try
        {
            await RecordAsync(GpuState.SettingMemory, $"amd-smi set --memory-partition {memoryMode} (applies to every GPU of the hive)", cancellationToken);
            if (await backend.SetMemoryModeAsync(memoryMode, cancellationToken))
            {
                await RecordAsync(GpuState.ReloadingDriver, "Reloading the amdgpu driver (ROCm 7.0+ no longer reloads on set).", cancellationToken);
                await backend.ReloadDriverAsync(cancellationToken);
            }
            else
            {
                await RecordAsync(GpuState.ReloadingDriver, "The set reloaded the driver itself (before ROCm 7.0).", cancellationToken);
            }

            return StepResult.Ok(View());
        }
        catch (GpuDeviceException ex)
        {
            await RecordAsync(GpuState.Failed, ex.Error.ToString(), cancellationToken);
            return StepResult.Fail(ex.Error, View());
        }
    }

    public async Task<StepResult> CompleteNodeOperationAsync(string operationId, MemoryMode memoryMode, ComputeMode? computeMode, OperationStatus statusWhenVerified, DeviceError? failure = null, CancellationToken cancellationToken = default)
    {
        if (Saved.Operation?.Id != operationId)
        {
            return StepResult.Fail(new DeviceError(DeviceErrorKind.Failed, null, $"GPU {_node}/{_index} is not part of operation {operationId}."), View());
        }

        try
        {
            await RecordAsync(GpuState.Verifying, $"Re-reading the device in {memoryMode}.", cancellationToken);
            var device = await ReadDeviceAsync(cancellationToken);
            if (device.MemoryMode != memoryMode)
            {
                throw Mismatch($"the device reports memory mode {device.MemoryMode?.ToString() ?? "unknown"}, expected {memoryMode}");
            }

            var family = GpuCatalog.Find(device.Model);
            var target = computeMode
                ?? (device.ComputeMode is { } current && device.Capabilities.Supports(current, memoryMode)
                    ? current
                    : family?.ComputeModeAfterMemoryChange(device.ComputeMode ?? ComputeMode.SPX, memoryMode) ?? ComputeMode.SPX);
            var verified = await SetAndVerifyComputeAsync(device, target, memoryMode, cancellationToken);
            // A rolled-back node-wide operation carries the failure on every GPU's copy, not only the GPU that failed.
            await FinishAsync(verified, statusWhenVerified, statusWhenVerified == OperationStatus.Succeeded ? null : Saved.Operation.Error ?? failure, cancellationToken);
            return StepResult.Ok(View());
        }
        catch (GpuDeviceException ex)
        {
            await RecordAsync(GpuState.Failed, ex.Error.ToString(), cancellationToken);
            Saved.Operation = Saved.Operation with { Error = ex.Error };
            return StepResult.Fail(ex.Error, View());
        }
    }

    public async Task<PartitionLayout?> ReadLayoutAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            // A memory mode set but waiting for a driver reload (ROCm 7.0+) is a change too: it applies at the next reload.
            var node = await backend.ReadNodeAsync(cancellationToken);
            return node.Gpu(_index) is { ComputeMode: { } compute, MemoryMode: { } memory } device
                && device.Partitions.Count == (int)compute
                && (node.PendingMemoryMode is null || node.PendingMemoryMode == memory)
                ? new PartitionLayout(compute, memory)
                : null;
        }
        catch (GpuDeviceException)
        {
            return null; // a device that cannot be read shows nothing to rely on
        }
    }

    public async Task<GpuView> AbandonNodeOperationAsync(string operationId, DeviceError error, CancellationToken cancellationToken = default)
    {
        if (Saved.Operation?.Id == operationId)
        {
            await DegradeAsync(error, cancellationToken);
        }

        return View();
    }

    private async Task RunComputeChangeAsync(PartitionLayout target)
    {
        var cancellationToken = CancellationToken.None; // the operation outlives the request that started it
        var previous = Saved.Operation!.Previous!;
        try
        {
            var verified = await SetAndVerifyComputeAsync(Saved.Device!, target.ComputeMode, target.MemoryMode, cancellationToken);
            await FinishAsync(verified, OperationStatus.Succeeded, null, cancellationToken);
        }
        catch (GpuDeviceException ex) when (ex.Kind == DeviceErrorKind.Timeout)
        {
            await DegradeAsync(ex.Error, cancellationToken);
        }
        catch (GpuDeviceException ex)
        {
            await RollBackAsync(previous, ex.Error, cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await DegradeAsync(new DeviceError(DeviceErrorKind.Failed, null, $"Unexpected failure: {ex.Message}"), cancellationToken);
        }
    }

    /// <summary>Puts the previous compute mode back and verifies it; if that fails too, the GPU is Degraded.</summary>
    private async Task RollBackAsync(PartitionLayout previous, DeviceError error, CancellationToken cancellationToken)
    {
        LogRollingBack(logger, Saved.Operation!.Id, _node, _index, error.ToString());
        Saved.Operation = Saved.Operation with { Error = error };
        await RecordAsync(GpuState.Failed, error.ToString(), cancellationToken);
        await RecordAsync(GpuState.RollingBack, $"Restoring {previous}.", cancellationToken);
        try
        {
            var device = await ReadDeviceAsync(cancellationToken);
            var verified = await SetAndVerifyComputeAsync(device, previous.ComputeMode, previous.MemoryMode, cancellationToken);
            await FinishAsync(verified, OperationStatus.RolledBack, error, cancellationToken);
        }
        catch (GpuDeviceException rollback)
        {
            await DegradeAsync(new DeviceError(rollback.Kind, rollback.Error.StatusCode, $"{error.Message} Rollback failed too: {rollback.Error.Message}"), cancellationToken);
        }
    }

    /// <summary>Sets the compute mode when the device is not already in it, then re-reads and verifies the whole layout.</summary>
    private async Task<GpuDeviceSnapshot> SetAndVerifyComputeAsync(GpuDeviceSnapshot device, ComputeMode compute, MemoryMode memory, CancellationToken cancellationToken)
    {
        if (device.ComputeMode != compute)
        {
            await RecordAsync(GpuState.SettingCompute, $"amd-smi set --compute-partition {compute}", cancellationToken);
            await backend.SetComputeModeAsync(_index, compute, cancellationToken);
        }

        await RecordAsync(GpuState.Verifying, device.ComputeMode == compute ? $"Already in {compute}; re-reading to verify." : "Re-reading the device.", cancellationToken);
        var verified = await ReadDeviceAsync(cancellationToken);
        if (verified.ComputeMode != compute || verified.MemoryMode != memory || verified.Partitions.Count != (int)compute)
        {
            throw Mismatch($"the device shows {verified.ComputeMode?.ToString() ?? "?"}/{verified.MemoryMode?.ToString() ?? "?"} with {verified.Partitions.Count} partition(s), expected {compute}/{memory} with {(int)compute}");
        }

        return verified;
    }

    private async Task FinishAsync(GpuDeviceSnapshot verified, OperationStatus status, DeviceError? error, CancellationToken cancellationToken)
    {
        var changed = Saved.Device is null || !SameLayout(Saved.Device, verified);
        Saved.Device = verified;
        Saved.VerifiedAt = verified.ReadAt;
        await ApplyLayoutAsync(verified, changed, cancellationToken);
        Saved.Operation = Close(Saved.Operation!, status, GpuState.Ready, error);
        SetState(GpuState.Ready, null);
        await SaveAsync(cancellationToken);
        LogOperationFinished(logger, Saved.Operation.Id, _node, _index, status, $"{verified.ComputeMode}/{verified.MemoryMode}");
    }

    private async Task DegradeAsync(DeviceError error, CancellationToken cancellationToken)
    {
        // Best effort: show what the device says now, but trust none of it (partitions stay frozen).
        try
        {
            Saved.Device = await ReadDeviceAsync(cancellationToken);
        }
        catch (GpuDeviceException)
        {
            // The device cannot even be read; keep the last verified read on display.
        }

        Saved.Operation = Close(Saved.Operation!, OperationStatus.Degraded, GpuState.Degraded, error);
        SetState(GpuState.Degraded, $"{error} The device state is not verified; a new partitioning request re-verifies it.");
        await SaveAsync(cancellationToken);
        LogDegraded(logger, Saved.Operation.Id, _node, _index, error.ToString());
    }

    /// <summary>Stops reservations and returns what still holds the GPU: reservations and processes. Empty means drained.</summary>
    private async Task<IReadOnlyList<Blocker>> DrainAsync(string operationId, CancellationToken cancellationToken)
    {
        var reservations = await FreezeAllAsync(operationId, cancellationToken);
        var blockers = reservations
            .Select(r => new Blocker(BlockerKind.Reservation, $"GPU {_index} partition {r.Partition}: {r.Reservation.Deployment} ({r.Reservation.Bytes} bytes)"))
            .ToList();
        if (blockers.Count == 0)
        {
            try
            {
                var processes = await backend.ListProcessesAsync(_index, cancellationToken);
                blockers.AddRange(processes.Select(p => new Blocker(BlockerKind.Process, $"GPU {_index}: process {p.Pid} ({p.Name ?? "name needs root"})")));
            }
            catch (GpuDeviceException ex)
            {
                blockers.Add(new Blocker(BlockerKind.Process, $"GPU {_index}: cannot list its processes ({ex.Error})"));
            }
        }

        if (blockers.Count > 0)
        {
            await ThawAllAsync(operationId, cancellationToken);
        }

        return blockers;
    }

    private async Task<List<(int Partition, PartitionReservation Reservation)>> FreezeAllAsync(string operationId, CancellationToken cancellationToken)
    {
        var held = new List<(int, PartitionReservation)>();
        for (var p = 0; p < (Saved.Device?.Partitions.Count ?? 0); p++)
        {
            var reservations = await Partition(p).FreezeAsync(operationId, cancellationToken);
            held.AddRange(reservations.Select(r => (p, r)));
            _partitions[p] = await Partition(p).GetAsync();
        }

        return held;
    }

    private async Task ThawAllAsync(string operationId, CancellationToken cancellationToken)
    {
        for (var p = 0; p < (Saved.Device?.Partitions.Count ?? 0); p++)
        {
            await TransientCallRetry.RunAsync(async () => { await Partition(p).ThawAsync(operationId, cancellationToken); return true; }, time, cancellationToken);
            _partitions[p] = await TransientCallRetry.RunAsync(() => Partition(p).GetAsync(), time, cancellationToken);
        }
    }

    private async Task<GpuDeviceSnapshot> ReadDeviceAsync(CancellationToken cancellationToken)
    {
        var node = await backend.ReadNodeAsync(cancellationToken);
        return node.Gpu(_index) ?? throw new GpuDeviceException(new DeviceError(DeviceErrorKind.NotFound, 31, $"The device read shows no GPU {_index} on {_node}."));
    }

    private async Task RecordAsync(GpuState step, string detail, CancellationToken cancellationToken)
    {
        Saved.Operation = Saved.Operation!.WithStep(step, time.GetUtcNow(), detail);
        SetState(step, step == GpuState.Failed ? detail : null);
        await SaveAsync(cancellationToken);
    }

    private PartitioningOperation NewOperation(string id, OperationScope scope, IReadOnlyList<int> gpus, PartitionLayout target, GpuDeviceSnapshot device) =>
        PartitioningOperation.Start(
            id,
            _node,
            scope,
            _index,
            gpus,
            target,
            device.ComputeMode is { } c && device.MemoryMode is { } m ? new PartitionLayout(c, m) : null,
            time.GetUtcNow(),
            Drained);

    private PartitioningOperation Close(PartitioningOperation operation, OperationStatus status, GpuState step, DeviceError? error) =>
        operation.Close(status, step, error, time.GetUtcNow(), status switch
        {
            OperationStatus.Succeeded => "Verified against the device.",
            OperationStatus.RolledBack => "Back in the previous layout, verified against the device.",
            _ => error?.ToString() ?? "Not verified.",
        });

    private GpuDeviceException Mismatch(string what) =>
        new(new DeviceError(DeviceErrorKind.VerificationFailed, null, $"Verification of GPU {_node}/{_index} failed: {what}."));

    // The work runs on this activation's scheduler, between the requests it keeps answering.
    private void RunInBackground(Func<Task> work)
    {
        this.DelayDeactivation(TimeSpan.FromHours(1));
        _background = work();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Operation {Operation}: GPU {Node}/{Index} {Previous} → {Target}")]
    private static partial void LogOperationStarted(ILogger logger, string operation, string node, int index, string previous, string target);

    [LoggerMessage(Level = LogLevel.Information, Message = "Operation {Operation}: GPU {Node}/{Index} {Status}, verified {Layout}")]
    private static partial void LogOperationFinished(ILogger logger, string operation, string node, int index, OperationStatus status, string layout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Operation {Operation}: GPU {Node}/{Index} failed ({Error}); rolling back")]
    private static partial void LogRollingBack(ILogger logger, string operation, string node, int index, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Operation {Operation}: GPU {Node}/{Index} is Degraded: {Error}")]
    private static partial void LogDegraded(ILogger logger, string operation, string node, int index, string error);
}

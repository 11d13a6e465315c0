using GpuSharing.Grains.Activation;
using GpuSharing.Grains.Hardware;
using GpuSharing.Grains.Interfaces;
using GpuSharing.Grains.Interfaces.Gpus;
using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Interfaces.Nodes;
using GpuSharing.Grains.Interfaces.Partitions;
using GpuSharing.Grains.Storage;
using Microsoft.Extensions.Logging;

namespace GpuSharing.Grains.Gpus;

/// <summary>
/// One physical GPU, activated on its node's silo where <see cref="IGpuNodeBackend"/> reaches the device. It keeps
/// the last verified read of the device, runs compute-mode changes itself and takes part in node-wide memory-mode
/// changes the <see cref="INodeGrain"/> coordinates. Success is only ever what a fresh read of the device shows.
/// Reconfigurations run in the background on the grain's scheduler, so the GPU answers reads while one runs.
/// </summary>
[NodeAffinityPlacement]
public sealed partial class GpuGrain(
    [PersistentState("gpu", StorageNames.Hardware)] IPersistentState<GpuGrainState> state,
    IGpuNodeBackend backend,
    TimeProvider time,
    ILogger<GpuGrain> logger) : Grain, IGpuGrain
{
    private readonly Dictionary<int, PartitionView> _partitions = [];
    private IGrainTimer? _reportAgain;
    private string _node = string.Empty;
    private int _index;
    private Task _background = Task.CompletedTask;

    /// <summary>What the grain stores (device read, state-machine state, operation): <c>Saved.State</c> reads as what it is.</summary>
    private GpuGrainState Saved => state.State;

    private bool IsRunning => Saved.Operation is { IsRunning: true };

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_node, _index) = GrainKeys.ParseGpu(this.GetPrimaryKeyString());
        await RefreshPartitionsAsync(cancellationToken);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // A reconfiguration in flight finishes (or fails and records why) before the activation goes away.
        try
        {
            await _background.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            LogDeactivatedMidOperation(logger, _node, _index, Saved.Operation?.Id);
        }
    }

    public async Task<GpuView> AttachAsync(GpuDeviceSnapshot device, CancellationToken cancellationToken = default)
    {
        var previous = Saved.Device;
        if (Saved.Operation is { IsRunning: true } interrupted)
        {
            // The silo went down mid-operation. The fresh read of the device is the only truth left.
            var layout = device.ComputeMode is { } c && device.MemoryMode is { } m ? new PartitionLayout(c, m) : null;
            var status = layout == interrupted.Target ? OperationStatus.Succeeded : layout == interrupted.Previous ? OperationStatus.RolledBack : OperationStatus.Degraded;
            Saved.Operation = Close(interrupted, status, GpuState.Verifying, new DeviceError(DeviceErrorKind.Failed, null, "Interrupted by a restart of the node silo; the device was re-read."));
            SetState(status == OperationStatus.Degraded ? GpuState.Degraded : GpuState.Ready, status == OperationStatus.Degraded ? Saved.Operation.Error!.Message : null);
        }

        Saved.Device = device;
        Saved.VerifiedAt = device.ReadAt;
        var changed = previous is null || !SameLayout(previous, device);
        if (device.Model is null)
        {
            SetState(GpuState.Unsupported, $"{device.MarketName} is not a GPU family this control plane partitions.");
        }
        else if (previous is not null && changed && _partitions.Values.Any(p => p.Reservations.Count > 0))
        {
            // Never drop a reservation because the device moved under it: keep them, place nothing new.
            SetState(GpuState.Degraded, $"The device changed from {Describe(previous)} to {Describe(device)} outside the control plane while deployments hold its partitions.");
        }
        else if (Saved.State == GpuState.Degraded)
        {
            // A degraded GPU stays so until a reconfiguration verifies it; a restart alone proves nothing.
        }
        else
        {
            SetState(GpuState.Ready, previous is not null && changed ? $"The device changed from {Describe(previous)} to {Describe(device)} outside the control plane; adopted." : null);
        }

        if (Saved.State != GpuState.Degraded || previous is null)
        {
            await ApplyLayoutAsync(device, changed, cancellationToken);
        }

        if (Saved.State is GpuState.Degraded or GpuState.Unsupported)
        {
            await FreezeAllAsync(Saved.State.ToString(), cancellationToken);
        }

        LogAttached(logger, _node, _index, device.Model ?? device.MarketName, Describe(device), Saved.State);
        await SaveAsync(cancellationToken);
        return View();
    }

    public Task<GpuView> GetAsync() => Task.FromResult(View());

    public async Task<GpuView> GetLiveAsync(CancellationToken cancellationToken = default)
    {
        var count = Saved.Device?.Partitions.Count ?? 0;
        var views = await Task.WhenAll(Enumerable.Range(0, count).Select(p => Partition(p).GetAsync().WaitAsync(cancellationToken)));
        var drifted = false;
        foreach (var view in views)
        {
            drifted |= !_partitions.TryGetValue(view.Index, out var known) || !SameHolders(known, view);
            _partitions[view.Index] = view;
        }

        if (drifted)
        {
            // A change whose report was lost (storage failed under it, the node's silo was away): the node's view,
            // which the API shows, is told the truth now. Partitions are not part of the stored state, so there is
            // nothing to write; the node takes a report of the same version as current.
            await ReportAsync();
        }

        return View();
    }

    public async Task PartitionChangedAsync(int partitionIndex)
    {
        var view = await GrainFactory.GetGrain<IPartitionGrain>(GrainKeys.Partition(_node, _index, partitionIndex)).GetAsync();
        _partitions[partitionIndex] = view;
        await SaveAsync(); // persists the version too, so that reports after a reactivation are never older than the last one
    }

    private static bool SameHolders(PartitionView a, PartitionView b) =>
        a.ReservedBytes == b.ReservedBytes && a.AcceptsReservations == b.AcceptsReservations && Holders(a).SequenceEqual(Holders(b));

    private static IEnumerable<(string, int, long, int, int, long)> Holders(PartitionView view) =>
        view.Reservations.Select(r => (r.Deployment, r.Replica, r.Bytes, r.FirstPartition, r.Span, r.Revision)).Order();

    private static string Describe(GpuDeviceSnapshot device) => $"{device.ComputeMode?.ToString() ?? "?"}/{device.MemoryMode?.ToString() ?? "?"}";

    private static bool SameLayout(GpuDeviceSnapshot a, GpuDeviceSnapshot b) =>
        a.ComputeMode == b.ComputeMode
        && a.MemoryMode == b.MemoryMode
        && a.Partitions.Count == b.Partitions.Count
        && a.Partitions.Zip(b.Partitions).All(p => p.First.VramBytes == p.Second.VramBytes);

    /// <summary>Configures a partition grain for each partition the device shows and retires those it no longer has.</summary>
    private async Task ApplyLayoutAsync(GpuDeviceSnapshot device, bool newLayout, CancellationToken cancellationToken)
    {
        if (newLayout)
        {
            Saved.LayoutVersion++;
        }

        if (device.ComputeMode is not { } compute || device.MemoryMode is not { } memory)
        {
            return;
        }

        var layout = new PartitionLayout(compute, memory);
        var resource = PartitioningRules.ResourceName(compute, memory);
        foreach (var partition in device.Partitions)
        {
            var spec = new PartitionSpec(
                Saved.LayoutVersion,
                layout,
                partition.VramBytes,
                partition.ComputeUnits,
                new DeviceBinding(partition.LogicalIndex, partition.RenderNode, partition.Bdf, resource));
            _partitions[partition.Index] = await TransientCallRetry.RunAsync(() => Partition(partition.Index).ConfigureAsync(spec, cancellationToken), time, cancellationToken);
        }

        foreach (var stale in _partitions.Keys.Where(k => k >= device.Partitions.Count).ToList())
        {
            if (await TransientCallRetry.RunAsync(() => Partition(stale).RetireAsync(Saved.Operation?.Id ?? "attach", cancellationToken), time, cancellationToken))
            {
                _partitions.Remove(stale);
            }
        }
    }

    private async Task RefreshPartitionsAsync(CancellationToken cancellationToken)
    {
        _partitions.Clear();
        var count = Saved.Device?.Partitions.Count ?? 0;
        for (var p = 0; p < count; p++)
        {
            _partitions[p] = await TransientCallRetry.RunAsync(() => Partition(p).GetAsync().WaitAsync(cancellationToken), time, cancellationToken);
        }
    }

    private IPartitionGrain Partition(int index) => GrainFactory.GetGrain<IPartitionGrain>(GrainKeys.Partition(_node, _index, index));

    private void SetState(GpuState gpuState, string? reason)
    {
        Saved.State = gpuState;
        Saved.StateReason = reason;
    }

    private async Task SaveAsync(CancellationToken cancellationToken = default)
    {
        Saved.Version++;
        try
        {
            await state.WriteOrRestartAsync(GrainContext, cancellationToken);
        }
        finally
        {
            // What this grain holds in memory is what it read from the device and the partitions: the node hears of it
            // even when storage did not take the write.
            await ReportAsync();
        }
    }

    /// <summary>
    /// Tells the node grain (one-way). Its silo may be going away (the send fails at once): that must not fail what this
    /// GPU is doing — a repartition in flight goes on — so the report is sent again a moment later, until it goes.
    /// </summary>
    private async Task ReportAsync()
    {
        try
        {
            await GrainFactory.GetGrain<INodeGrain>(_node).ReportGpuAsync(View());
            _reportAgain?.Dispose();
            _reportAgain = null;
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            LogReportFailed(logger, _node, _index, ex.Message);
            _reportAgain ??= this.RegisterGrainTimer(
                static (self, _) => self.ReportAsync(),
                this,
                new GrainTimerCreationOptions { DueTime = TimeSpan.FromSeconds(2), Period = TimeSpan.FromSeconds(2) });
        }
    }

    private GpuView View()
    {
        var device = Saved.Device;
        var partitions = Enumerable.Range(0, device?.Partitions.Count ?? 0)
            .Select(p => _partitions.TryGetValue(p, out var view) ? view : EmptyPartition(device!.Partitions[p]))
            .ToList();
        return new GpuView(
            _node,
            _index,
            device?.Model ?? "unknown",
            device?.MarketName ?? "unknown",
            device?.Bdf,
            device?.Uuid,
            device?.VramBytes ?? 0,
            device?.ComputeUnits ?? 0,
            device?.ComputeMode,
            device?.MemoryMode,
            device is null ? GpuState.Unreachable : Saved.State,
            device is null ? "Not discovered by its node agent yet." : Saved.StateReason,
            partitions,
            device?.Capabilities ?? GpuCapabilities.None,
            Saved.Operation,
            Saved.VerifiedAt,
            Saved.Version,
            RuntimeIdentity,
            device?.Telemetry);
    }

    private static PartitionView EmptyPartition(DevicePartition partition) =>
        new(partition.Index, partition.VramBytes, partition.ComputeUnits, 0, [], null, false);

    [LoggerMessage(Level = LogLevel.Warning, Message = "GPU {Node}/{Index} could not report to its node grain ({Reason}); reporting again shortly")]
    private static partial void LogReportFailed(ILogger logger, string node, int index, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "GPU {Node}/{Index} deactivated while operation {Operation} was still running")]
    private static partial void LogDeactivatedMidOperation(ILogger logger, string node, int index, string? operation);

    [LoggerMessage(Level = LogLevel.Information, Message = "GPU {Node}/{Index} attached: {Model} in {Layout}, {State}")]
    private static partial void LogAttached(ILogger logger, string node, int index, string model, string layout, GpuState state);
}

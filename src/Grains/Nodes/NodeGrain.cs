using System.Globalization;
using GpuSharing.Grains.Activation;
using GpuSharing.Grains.Interfaces;
using GpuSharing.Grains.Interfaces.Fleet;
using GpuSharing.Grains.Interfaces.Gpus;
using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Interfaces.Nodes;
using GpuSharing.Grains.Interfaces.Placement;
using GpuSharing.Grains.Storage;
using Microsoft.Extensions.Logging;

namespace GpuSharing.Grains.Nodes;

/// <summary>
/// A GPU node as the control plane sees it. It lives on a control-plane silo, so when the node's silo dies it still
/// answers, with every GPU <see cref="GpuState.Unreachable"/> and its last layout and reservations intact. All
/// partitioning requests for the node enter here and are validated once: compute-mode changes go on to the GPU's
/// grain; memory-mode changes, which reload the driver under every GPU of the node, run here (the MemoryChange part).
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
            return PartitioningDecision.Rejected(PartitioningOutcome.Busy, $"Node '{Name}' is running node-wide operation {running.Id}.", [new Blocker(BlockerKind.Operation, $"operation {running.Id}")]);
        }

        if (State.Registration is { CanSetPartitions: false } registration)
        {
            return PartitioningDecision.Rejected(PartitioningOutcome.Unsupported, $"Node '{Name}' cannot set partitions: {registration.CannotSetPartitionsReason ?? $"it is an SR-IOV guest ({registration.Platform})"}.");
        }

        if (gpu.State == GpuState.Unsupported)
        {
            return PartitioningDecision.Rejected(PartitioningOutcome.Unsupported, gpu.StateReason ?? $"GPU {gpuIndex} cannot be partitioned.");
        }

        // A request is validated once, by whoever owns the change: the GPU grain checks a compute change against the
        // device it reads; the node checks a memory change, which is its own (node-wide) operation.
        var memory = request.MemoryMode ?? gpu.MemoryMode ?? State.MemoryMode ?? MemoryMode.NPS1;
        var operationId = NewOperationId(gpuIndex);
        if (memory == (gpu.MemoryMode ?? State.MemoryMode))
        {
            return await Gpu(gpuIndex).StartComputeChangeAsync(operationId, request with { MemoryMode = memory }, cancellationToken);
        }

        if (Gpus.PartitioningRules.ExplainInvalid(gpu.Capabilities, gpu.Model, request.ComputeMode, memory) is { } reason)
        {
            return PartitioningDecision.Rejected(PartitioningOutcome.InvalidCombination, reason, null, gpu.Capabilities.Source);
        }

        return await StartMemoryChangeAsync(operationId, gpuIndex, new PartitionLayout(request.ComputeMode, memory), cancellationToken);
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
}

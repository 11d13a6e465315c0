using GpuSharing.Grains.Interfaces.Gpus;
using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Nodes;
using GpuSharing.Grains.Interfaces.Partitions;
using GpuSharing.Grains.Interfaces.Placement;

namespace GpuSharing.Gateway.Contracts;

/// <summary>Maps grain views to the API's own response types, so that grains stay an implementation detail.</summary>
public static class Responses
{
    public static GpuResponse Gpu(GpuView gpu) => new(
        gpu.Node,
        gpu.Index,
        gpu.Model,
        gpu.MarketName,
        gpu.Bdf,
        gpu.Uuid,
        gpu.VramBytes,
        gpu.ComputeUnits,
        gpu.ComputeMode,
        gpu.MemoryMode,
        gpu.State,
        gpu.StateReason,
        [.. gpu.Partitions.Select(Partition)],
        Capabilities(gpu.Capabilities),
        gpu.Operation is { } operation ? Operation(operation) : null,
        gpu.VerifiedAt,
        gpu.Silo,
        gpu.Telemetry);

    public static PartitionResponse Partition(PartitionView partition) => new(
        partition.Index,
        partition.VramBytes,
        partition.ComputeUnits,
        partition.ReservedBytes,
        [.. partition.Reservations.Select(r => r.Deployment)],
        [.. partition.Reservations.Select(r => new ReservationResponse(r.Deployment, r.Bytes, r.Replica, r.Isolation, r.Priority))],
        partition.AcceptsReservations,
        partition.Binding is { } b ? new BindingResponse(b.LogicalIndex, b.RenderNode, b.Bdf, b.ResourceName) : null);

    public static CapabilitiesResponse Capabilities(GpuCapabilities capabilities) => new(
        [.. capabilities.ComputeModes.Select(c => new ComputeModeResponse(c.Mode, c.ProfileIndex, c.MemoryModes, c.Partitions))],
        capabilities.MemoryModes,
        capabilities.Source);

    public static OperationResponse Operation(PartitioningOperation operation) => new(
        operation.Id,
        operation.Node,
        operation.Scope,
        operation.RequestedGpu,
        operation.Gpus,
        Layout(operation.Target),
        operation.Previous is { } previous ? Layout(previous) : null,
        operation.Status,
        operation.Step,
        [.. operation.Steps.Select(s => new OperationStepResponse(s.State, s.At, s.Detail))],
        operation.Error is { } e ? new DeviceErrorResponse(e.Kind, e.StatusCode, e.Message) : null,
        operation.StartedAt,
        operation.CompletedAt);

    public static NodeResponse Node(NodeView node) => new(
        node.Name,
        node.Reachable,
        node.MemoryMode,
        node.Registration?.Backend,
        node.Registration?.ToolVersion,
        node.Registration?.RocmVersion,
        node.Registration?.Platform,
        node.Registration?.CanSetPartitions ?? false,
        node.Registration?.Silo,
        [.. node.Gpus.Select(Gpu)],
        node.Operation is { } operation ? Operation(operation) : null);

    public static ModelResponse Model(ModelView model) => new(
        model.Namespace,
        model.Name,
        model.Generation,
        model.Spec,
        model.Status,
        model.Message,
        model.Sizing,
        [.. model.Placements.Select(Placement)],
        model.Placements.FirstOrDefault()?.Binding,
        model.Pending,
        model.Explanation,
        model.UpdatedAt);

    public static PlacementResponse Placement(ReplicaPlacement p) => new(
        p.Replica,
        p.Node,
        p.Gpu,
        p.FirstPartition,
        [.. p.Partitions],
        p.ReservedBytes,
        p.KvCacheBytes,
        p.FullKvCache,
        p.ComputeMode,
        p.MemoryMode,
        p.Binding);

    public static PlanResponse Plan(PlanResult plan) => new(
        [.. plan.Deployments.Select(d => new PlannedDeploymentResponse(d.Namespace, d.Name, d.Sizing, [.. d.Placements.Select(Placement)], d.Unplaced))],
        plan.Repartitions,
        plan.Preemptions,
        plan.GpusUsed,
        plan.GpuCount,
        new LowerBoundResponse(plan.LowerBoundName, plan.LowerBound, plan.LowerBound == 0 ? 0 : Math.Round(plan.GpusUsed / (double)plan.LowerBound, 3)),
        plan.VolumeBound,
        plan.SlotBound,
        plan.HypotheticalFleet);

    private static LayoutResponse Layout(PartitionLayout layout) => new(layout.ComputeMode, layout.MemoryMode);
}

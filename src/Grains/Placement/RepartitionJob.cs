using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Planning.Placement;

namespace GpuSharing.Grains.Placement;

/// <summary>A GPU to be repartitioned before the replicas waiting for it can be reserved.</summary>
internal sealed class RepartitionJob(string node, int gpu, PartitionLayout target, DateTimeOffset createdAt)
{
    public string Node { get; } = node;

    public int Gpu { get; } = gpu;

    public PartitionLayout Target { get; } = target;

    public DateTimeOffset CreatedAt { get; } = createdAt;

    public string? OperationId { get; set; }

    public bool NodeWide { get; set; }

    public List<ReplicaAssignment> Waiting { get; } = [];
}

using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Interfaces.Models;

/// <summary>Where one replica is: GPU, partitions, their layout, what is reserved on each, the KV cache it gets, and how to bind to them.</summary>
[GenerateSerializer, Immutable, Alias("gpusharing.ReplicaPlacement")]
public sealed record ReplicaPlacement(
    int Replica,
    string Node,
    int Gpu,
    int FirstPartition,
    int Span,
    ComputeMode ComputeMode,
    MemoryMode MemoryMode,
    long ReservedBytes,
    long PartitionVramBytes,
    long KvCacheBytes,
    bool FullKvCache,
    IReadOnlyList<DeviceBinding> Devices,
    ReplicaBinding? Binding = null)
{
    public IEnumerable<int> Partitions => Enumerable.Range(FirstPartition, Span);
}

using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>Where a replica goes: GPU, partitions, the mode the GPU will be in, bytes reserved on each partition, the KV cache it gets.</summary>
public sealed record ReplicaAssignment(
    string Deployment,
    int Replica,
    string Node,
    int Gpu,
    int FirstPartition,
    int Span,
    ComputeMode ComputeMode,
    MemoryMode MemoryMode,
    long BytesPerPartition,
    long PartitionBytes,
    long KvBytes,
    bool FullKv,
    Priority Priority = Priority.Low,
    Isolation Isolation = Isolation.Shared);

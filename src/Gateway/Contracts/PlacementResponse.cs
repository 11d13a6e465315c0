using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Gateway.Contracts;

/// <summary>A replica's place (contract §7: node, gpu, partition, reservedBytes), its partitions, KV cache and binding.</summary>
public sealed record PlacementResponse(
    int Replica,
    string Node,
    int Gpu,
    int Partition,
    IReadOnlyList<int> Partitions,
    long ReservedBytes,
    long KvCacheBytes,
    bool FullKvCache,
    ComputeMode ComputeMode,
    MemoryMode MemoryMode,
    ReplicaBinding? Binding);

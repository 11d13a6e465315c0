using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Interfaces.Gpus;

/// <summary>The layout asked for one GPU. Without a memory mode the node keeps its current one.</summary>
[GenerateSerializer, Immutable, Alias("gpusharing.PartitioningRequest")]
public sealed record PartitioningRequest(ComputeMode ComputeMode, MemoryMode? MemoryMode);

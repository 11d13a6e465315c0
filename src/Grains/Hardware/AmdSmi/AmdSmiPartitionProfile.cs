using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>An accelerator partition profile a GPU enumerates (root only): its index, type, the memory modes it works with.</summary>
public sealed record AmdSmiPartitionProfile(int Gpu, int ProfileIndex, ComputeMode Type, IReadOnlyList<MemoryMode> MemoryCaps, int? NumPartitions, bool IsCurrent);

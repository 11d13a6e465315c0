using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>A row of <c>CURRENT_PARTITION</c>: one logical GPU, its modes, the active profile and the partition id(s) it shows.</summary>
public sealed record AmdSmiCurrentPartition(int Gpu, MemoryMode? Memory, ComputeMode? AcceleratorType, int? ProfileIndex, IReadOnlyList<int> PartitionIds);

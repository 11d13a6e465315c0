using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>A row of <c>MEMORY_PARTITION</c>: the memory modes a GPU can take and the one it is in.</summary>
public sealed record AmdSmiMemoryPartition(int Gpu, IReadOnlyList<MemoryMode> Caps, MemoryMode? Current);

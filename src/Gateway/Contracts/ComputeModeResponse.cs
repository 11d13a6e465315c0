using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Gateway.Contracts;

public sealed record ComputeModeResponse(ComputeMode Mode, int? ProfileIndex, IReadOnlyList<MemoryMode> MemoryModes, int Partitions);

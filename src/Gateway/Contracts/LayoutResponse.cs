using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Gateway.Contracts;

public sealed record LayoutResponse(ComputeMode ComputeMode, MemoryMode MemoryMode);

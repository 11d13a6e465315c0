using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Gateway.Contracts;

public sealed record CapabilitiesResponse(IReadOnlyList<ComputeModeResponse> ComputeModes, IReadOnlyList<MemoryMode> MemoryModes, CapabilitySource Source);

using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Hardware.Simulation;

/// <summary>
/// A failure the simulated device returns for the next <paramref name="Times"/> calls of <paramref name="Operation"/>
/// (on <paramref name="GpuIndex"/> only, when given). With <paramref name="ApplyFirst"/> the change is made before the
/// failure, as when a real command times out after the driver acted.
/// </summary>
public sealed record SimulatedFault(SimulatedOperation Operation, DeviceErrorKind Kind, int Times = 1, bool ApplyFirst = false, int? GpuIndex = null);

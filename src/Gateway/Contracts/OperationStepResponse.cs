using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Gateway.Contracts;

public sealed record OperationStepResponse(GpuState State, DateTimeOffset At, string Detail);

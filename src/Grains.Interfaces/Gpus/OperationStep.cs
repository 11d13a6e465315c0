using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Interfaces.Gpus;

/// <summary>One transition of a reconfiguration, with when it happened and what was done or found.</summary>
[GenerateSerializer, Immutable, Alias("gpusharing.OperationStep")]
public sealed record OperationStep(GpuState State, DateTimeOffset At, string Detail);

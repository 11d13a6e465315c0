using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Interfaces.Gpus;

/// <summary>
/// A reconfiguration as it runs or ran: which GPUs it touches, the layout it leaves and the one it aims for,
/// each step it went through and, when it failed, the typed device error.
/// </summary>
[GenerateSerializer, Immutable, Alias("gpusharing.PartitioningOperation")]
public sealed record PartitioningOperation(
    string Id,
    string Node,
    OperationScope Scope,
    int RequestedGpu,
    IReadOnlyList<int> Gpus,
    PartitionLayout Target,
    PartitionLayout? Previous,
    OperationStatus Status,
    GpuState Step,
    IReadOnlyList<OperationStep> Steps,
    DeviceError? Error,
    DateTimeOffset StartedAt,
    DateTimeOffset? CompletedAt)
{
    public bool IsRunning => Status == OperationStatus.Running;
}

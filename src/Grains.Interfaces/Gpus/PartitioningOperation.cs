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

    /// <summary>A running operation whose first step is draining the GPUs it touches.</summary>
    public static PartitioningOperation Start(string id, string node, OperationScope scope, int requestedGpu, IReadOnlyList<int> gpus, PartitionLayout target, PartitionLayout? previous, DateTimeOffset at, string drainDetail) =>
        new(id, node, scope, requestedGpu, gpus, target, previous, OperationStatus.Running, GpuState.Draining, [new OperationStep(GpuState.Draining, at, drainDetail)], null, at, null);

    /// <summary>The operation having reached <paramref name="step"/>.</summary>
    public PartitioningOperation WithStep(GpuState step, DateTimeOffset at, string detail) =>
        this with { Step = step, Steps = [.. Steps, new OperationStep(step, at, detail)] };

    /// <summary>The operation ended with <paramref name="status"/>, its last step <paramref name="step"/>.</summary>
    public PartitioningOperation Close(OperationStatus status, GpuState step, DeviceError? error, DateTimeOffset at, string detail) =>
        WithStep(step, at, detail) with { Status = status, Error = error, CompletedAt = at };
}

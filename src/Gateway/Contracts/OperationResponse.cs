using GpuSharing.Grains.Interfaces.Gpus;
using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Gateway.Contracts;

/// <summary>A reconfiguration: the GPUs it touches, from which layout to which, every step with its time, and the typed error when it failed.</summary>
public sealed record OperationResponse(
    string Id,
    string Node,
    OperationScope Scope,
    int RequestedGpu,
    IReadOnlyList<int> Gpus,
    LayoutResponse Target,
    LayoutResponse? Previous,
    OperationStatus Status,
    GpuState Step,
    IReadOnlyList<OperationStepResponse> Steps,
    DeviceErrorResponse? Error,
    DateTimeOffset StartedAt,
    DateTimeOffset? CompletedAt);

using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Gateway.Contracts;

/// <summary>A node: whether its silo is reachable, its node-wide memory mode, how it reaches its GPUs, the GPUs, its node-wide operation.</summary>
public sealed record NodeResponse(
    string Name,
    bool Reachable,
    MemoryMode? MemoryMode,
    string? Backend,
    string? ToolVersion,
    string? RocmVersion,
    string? Platform,
    bool CanSetPartitions,
    string? Silo,
    IReadOnlyList<GpuResponse> Gpus,
    OperationResponse? Operation);

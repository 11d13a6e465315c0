using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Gateway.Contracts;

/// <summary>A GPU as the API shows it (contract §7: node, index, model, vramBytes, computeMode, memoryMode, state, partitions).</summary>
public sealed record GpuResponse(
    string Node,
    int Index,
    string Model,
    string MarketName,
    string? Bdf,
    string? Uuid,
    long VramBytes,
    int ComputeUnits,
    ComputeMode? ComputeMode,
    MemoryMode? MemoryMode,
    GpuState State,
    string? StateReason,
    IReadOnlyList<PartitionResponse> Partitions,
    CapabilitiesResponse Capabilities,
    OperationResponse? Operation,
    DateTimeOffset? VerifiedAt,
    string? Silo,
    GpuTelemetry? Telemetry);

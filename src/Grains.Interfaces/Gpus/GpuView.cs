using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Interfaces.Partitions;

namespace GpuSharing.Grains.Interfaces.Gpus;

/// <summary>A GPU as the control plane knows it: identity, last verified modes, state, partitions, its latest reconfiguration and the silo that hosts it.</summary>
[GenerateSerializer, Immutable, Alias("gpusharing.GpuView")]
public sealed record GpuView(
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
    IReadOnlyList<PartitionView> Partitions,
    GpuCapabilities Capabilities,
    PartitioningOperation? Operation,
    DateTimeOffset? VerifiedAt,
    long Version,
    string? Silo,
    GpuTelemetry? Telemetry = null)
{
    public long ReservedBytes => Partitions.Sum(p => p.ReservedBytes);

    public bool HasReservations => Partitions.Any(p => p.Reservations.Count > 0);
}

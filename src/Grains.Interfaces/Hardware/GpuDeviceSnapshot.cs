namespace GpuSharing.Grains.Interfaces.Hardware;

/// <summary>
/// A physical GPU exactly as a read of the device returned it. <see cref="Model"/> is the catalog family
/// (MI300X, MI325X, MI350X, MI355X) or <c>null</c> for a GPU the catalog does not know.
/// </summary>
[GenerateSerializer, Immutable, Alias("gpusharing.GpuDeviceSnapshot")]
public sealed record GpuDeviceSnapshot(
    int Index,
    string? Model,
    string MarketName,
    string? DeviceId,
    string? Bdf,
    string? Uuid,
    long VramBytes,
    int ComputeUnits,
    ComputeMode? ComputeMode,
    MemoryMode? MemoryMode,
    IReadOnlyList<DevicePartition> Partitions,
    GpuCapabilities Capabilities,
    DateTimeOffset ReadAt,
    GpuTelemetry? Telemetry = null);

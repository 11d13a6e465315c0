namespace GpuSharing.Grains.Interfaces.Hardware;

/// <summary>What amd-smi's metrics said at the last read of the device (usage, power, temperature, VRAM in use); null where it said N/A.</summary>
[GenerateSerializer, Immutable, Alias("gpusharing.GpuTelemetry")]
public sealed record GpuTelemetry(double? GfxActivityPercent, double? SocketPowerWatts, double? HotspotCelsius, double? MemoryCelsius, long? VramUsedBytes);

namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>
/// A row of <c>amd-smi monitor</c>. VRAM comes as <c>VRAM_USED</c>/<c>VRAM_TOTAL</c> (6.3) or <c>0.3/192.0 GB</c> (6.4.1+);
/// <see cref="Xcp"/> is the partition within its GPU where the tool prints it (amd-smi 27).
/// </summary>
public sealed record AmdSmiMonitorRow(int Gpu, int? Xcp, double? PowerWatts, double? GpuTemperatureCelsius, double? MemoryTemperatureCelsius, long? VramUsedBytes, long? VramTotalBytes);

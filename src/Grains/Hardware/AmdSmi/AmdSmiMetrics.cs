namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>What <c>amd-smi metric</c> (usage, power, temperature, mem-usage) says about one logical GPU. Missing values are null.</summary>
public sealed record AmdSmiMetrics(
    int Gpu,
    double? GfxActivityPercent,
    double? UmcActivityPercent,
    double? MmActivityPercent,
    double? SocketPowerWatts,
    double? GfxVoltageMillivolts,
    double? SocVoltageMillivolts,
    double? MemVoltageMillivolts,
    string? PowerManagement,
    string? ThrottleStatus,
    double? EdgeCelsius,
    double? HotspotCelsius,
    double? MemoryCelsius,
    long? TotalVramBytes,
    long? UsedVramBytes,
    IReadOnlyDictionary<string, double?> GfxBusyPerXcp);

namespace GpuSharing.Grains.Interfaces.Hardware;

/// <summary>
/// What amd-smi's metrics said at the last read of the device (usage, power, temperature, VRAM in use); null where it
/// said N/A. <see cref="PartitionVramUsedBytes"/>: VRAM in use on each partition, in partition order, as amd-smi
/// reports it for each logical device — secondary partitions included (null where unknown).
/// </summary>
[GenerateSerializer, Immutable, Alias("gpusharing.GpuTelemetry")]
public sealed record GpuTelemetry(
    double? GfxActivityPercent,
    double? SocketPowerWatts,
    double? HotspotCelsius,
    double? MemoryCelsius,
    long? VramUsedBytes,
    IReadOnlyList<long?>? PartitionVramUsedBytes = null)
{
    /// <summary>VRAM in use on partition <paramref name="partition"/>, when amd-smi said.</summary>
    public long? PartitionVramUsed(int partition) =>
        PartitionVramUsedBytes is { } used && partition >= 0 && partition < used.Count ? used[partition] : null;

    public bool Equals(GpuTelemetry? other) =>
        other is not null
        && (GfxActivityPercent, SocketPowerWatts, HotspotCelsius, MemoryCelsius, VramUsedBytes) == (other.GfxActivityPercent, other.SocketPowerWatts, other.HotspotCelsius, other.MemoryCelsius, other.VramUsedBytes)
        && (PartitionVramUsedBytes ?? []).SequenceEqual(other.PartitionVramUsedBytes ?? []);

    public override int GetHashCode() => HashCode.Combine(GfxActivityPercent, SocketPowerWatts, HotspotCelsius, MemoryCelsius, VramUsedBytes, PartitionVramUsedBytes?.Count);
}

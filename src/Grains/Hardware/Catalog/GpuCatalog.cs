using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Hardware.Catalog;

/// <summary>
/// The AMD Instinct GPUs this control plane partitions. Valid combinations follow the amdgpu driver's rule
/// (<c>aqua_vanjaram.c</c>, <c>__aqua_vanjaram_is_valid_mode</c>) and AMD's partition guides:
/// MI300X/MI325X accept NPS1 with every compute mode, NPS2 with DPX (ROCm 6.4.1+), NPS4 with QPX and CPX;
/// MI350X/MI355X have two IODs, hence NPS1 (SPX only) and NPS2 (DPX, QPX, CPX).
/// </summary>
public static class GpuCatalog
{
    private const long GiB = 1L << 30;

    private static readonly IReadOnlyDictionary<ComputeMode, IReadOnlyList<MemoryMode>> Mi300Combinations =
        new Dictionary<ComputeMode, IReadOnlyList<MemoryMode>>
        {
            [ComputeMode.SPX] = [MemoryMode.NPS1],
            [ComputeMode.DPX] = [MemoryMode.NPS1, MemoryMode.NPS2],
            [ComputeMode.QPX] = [MemoryMode.NPS1, MemoryMode.NPS4],
            [ComputeMode.CPX] = [MemoryMode.NPS1, MemoryMode.NPS4],
        };

    // NPS4 leaves SPX/DPX invalid and the driver moves such GPUs to CPX; NPS2 leaves only DPX.
    private static readonly IReadOnlyDictionary<MemoryMode, ComputeMode> Mi300Fallback =
        new Dictionary<MemoryMode, ComputeMode>
        {
            [MemoryMode.NPS1] = ComputeMode.SPX,
            [MemoryMode.NPS2] = ComputeMode.DPX,
            [MemoryMode.NPS4] = ComputeMode.CPX,
        };

    private static readonly IReadOnlyDictionary<ComputeMode, IReadOnlyList<MemoryMode>> Mi350Combinations =
        new Dictionary<ComputeMode, IReadOnlyList<MemoryMode>>
        {
            [ComputeMode.SPX] = [MemoryMode.NPS1],
            [ComputeMode.DPX] = [MemoryMode.NPS2],
            [ComputeMode.QPX] = [MemoryMode.NPS2],
            [ComputeMode.CPX] = [MemoryMode.NPS2],
        };

    // Which mode the MI35x driver picks for an SPX GPU moved to NPS2 is not documented; DPX (the fewest partitions)
    // is our assumption, and it is never trusted: the device is re-read after every reload.
    private static readonly IReadOnlyDictionary<MemoryMode, ComputeMode> Mi350Fallback =
        new Dictionary<MemoryMode, ComputeMode>
        {
            [MemoryMode.NPS1] = ComputeMode.SPX,
            [MemoryMode.NPS2] = ComputeMode.DPX,
        };

    public static GpuFamily MI300X { get; } = new("MI300X", "gfx942", ["0x74a1"], 8, 38, 192 * GiB, Mi300Combinations, Mi300Fallback);

    public static GpuFamily MI325X { get; } = new("MI325X", "gfx942", ["0x74a5"], 8, 38, 256 * GiB, Mi300Combinations, Mi300Fallback);

    public static GpuFamily MI350X { get; } = new("MI350X", "gfx950", ["0x75a0"], 8, 32, 288 * GiB, Mi350Combinations, Mi350Fallback);

    public static GpuFamily MI355X { get; } = new("MI355X", "gfx950", ["0x75a3"], 8, 32, 288 * GiB, Mi350Combinations, Mi350Fallback);

    public static IReadOnlyList<GpuFamily> All { get; } = [MI300X, MI325X, MI350X, MI355X];

    /// <summary>A family by its name (<c>MI300X</c>, case-insensitive), or null.</summary>
    public static GpuFamily? Find(string? name) =>
        name is null ? null : All.FirstOrDefault(f => string.Equals(f.Name, name.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Identifies a device from what amd-smi reports: the market name (<c>AMD Instinct MI300X</c>) first, then the
    /// PCI device id (<c>0x74a1</c>). Returns null for parts we do not partition (MI300A, MI308X, ...).
    /// </summary>
    public static GpuFamily? Identify(string? marketName, string? deviceId)
    {
        if (!string.IsNullOrWhiteSpace(marketName))
        {
            foreach (var family in All)
            {
                if (ContainsWord(marketName, family.Name))
                {
                    return family;
                }
            }
        }

        if (!string.IsNullOrWhiteSpace(deviceId))
        {
            var normalized = deviceId.Trim().ToLowerInvariant();
            return All.FirstOrDefault(f => f.DeviceIds.Contains(normalized));
        }

        return null;
    }

    private static bool ContainsWord(string text, string word)
    {
        var at = text.IndexOf(word, StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            return false;
        }

        var end = at + word.Length;
        return (at == 0 || !char.IsLetterOrDigit(text[at - 1])) && (end == text.Length || !char.IsLetterOrDigit(text[end]));
    }
}

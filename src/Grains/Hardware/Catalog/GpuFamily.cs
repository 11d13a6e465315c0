using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Hardware.Catalog;

/// <summary>
/// A GPU family: its compute dies, memory and the partition combinations the amdgpu driver accepts.
/// Sizes here are nominal (HBM ÷ partitions) and only used for planning; a device reports its real sizes.
/// </summary>
public sealed record GpuFamily(
    string Name,
    string Architecture,
    IReadOnlyList<string> DeviceIds,
    int Xcds,
    int ComputeUnitsPerXcd,
    long HbmBytes,
    IReadOnlyDictionary<ComputeMode, IReadOnlyList<MemoryMode>> ValidCombinations,
    IReadOnlyDictionary<MemoryMode, ComputeMode> DriverFallbackCompute)
{
    public int ComputeUnits => Xcds * ComputeUnitsPerXcd;

    public IReadOnlyList<ComputeMode> ComputeModes => [.. ValidCombinations.Keys.Order()];

    public IReadOnlyList<MemoryMode> MemoryModes => [.. ValidCombinations.Values.SelectMany(m => m).Distinct().Order()];

    public bool IsValid(ComputeMode compute, MemoryMode memory) =>
        ValidCombinations.TryGetValue(compute, out var memoryModes) && memoryModes.Contains(memory);

    /// <summary>Why a combination is invalid, in the words of the driver's rule; null when it is valid.</summary>
    public string? ExplainInvalid(ComputeMode compute, MemoryMode memory)
    {
        if (!ValidCombinations.TryGetValue(compute, out var memoryModes))
        {
            return $"{Name} has no {compute} compute mode (it supports {string.Join(", ", ComputeModes)}).";
        }

        if (!MemoryModes.Contains(memory))
        {
            return $"{Name} has no {memory} memory mode (it supports {string.Join(", ", MemoryModes)}).";
        }

        return memoryModes.Contains(memory)
            ? null
            : $"{Name} supports {compute} only with {string.Join(" or ", memoryModes)}, not with {memory}.";
    }

    public long NominalPartitionBytes(ComputeMode compute) => HbmBytes / (int)compute;

    public int PartitionComputeUnits(ComputeMode compute) => ComputeUnits / (int)compute;

    /// <summary>
    /// The compute mode the driver leaves a GPU in when its node moves to <paramref name="memory"/> and its current
    /// compute mode is not valid there (setting NPS4 on an SPX MI300X switches it to CPX).
    /// </summary>
    public ComputeMode ComputeModeAfterMemoryChange(ComputeMode current, MemoryMode memory) =>
        IsValid(current, memory) ? current : DriverFallbackCompute[memory];

    /// <summary>The capabilities this family has by the catalog, used when the device does not report its own.</summary>
    public GpuCapabilities CatalogCapabilities() => new(
        [.. ValidCombinations.OrderBy(c => c.Key).Select(c => new ComputeModeSupport(c.Key, null, c.Value, (int)c.Key))],
        MemoryModes,
        CapabilitySource.Catalog);
}

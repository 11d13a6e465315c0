using GpuSharing.Grains.Hardware.Catalog;
using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Gpus;

/// <summary>Whether a GPU supports a compute/memory combination, and why not in the words of whoever said so.</summary>
public static class PartitioningRules
{
    /// <summary>Null when the combination is supported; otherwise the reason, from the device's profiles or the catalog.</summary>
    public static string? ExplainInvalid(GpuCapabilities capabilities, string? model, ComputeMode compute, MemoryMode memory)
    {
        if (capabilities.Supports(compute, memory))
        {
            return null;
        }

        if (capabilities.Source == CapabilitySource.Catalog)
        {
            return GpuCatalog.Find(model)?.ExplainInvalid(compute, memory)
                ?? $"{model ?? "This GPU"} is not a GPU this control plane partitions.";
        }

        var support = capabilities.ComputeModes.FirstOrDefault(c => c.Mode == compute);
        if (support is null)
        {
            return $"The device offers no {compute} profile; it offers {string.Join(", ", capabilities.ComputeModes.Select(Profile))}.";
        }

        if (!capabilities.MemoryModes.Contains(memory))
        {
            return $"The device does not support memory mode {memory}; its memory partition caps are {string.Join(", ", capabilities.MemoryModes)}.";
        }

        return $"The device's {Profile(support)} profile works only with {string.Join(" or ", support.MemoryModes)}, not with {memory}.";
    }

    public static string ResourceName(ComputeMode compute, MemoryMode memory) =>
        $"amd.com/{compute.ToString().ToLowerInvariant()}_{memory.ToString().ToLowerInvariant()}";

    private static string Profile(ComputeModeSupport support) =>
        support.ProfileIndex is { } index ? $"{support.Mode} (#{index})" : support.Mode.ToString();
}

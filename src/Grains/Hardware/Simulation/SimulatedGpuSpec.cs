using System.Globalization;
using GpuSharing.Grains.Hardware.Catalog;

namespace GpuSharing.Grains.Hardware.Simulation;

/// <summary>Parses <c>GpuSharing:Node:SimulatedGpus</c>: <c>MI300X:2</c>, <c>MI300X:1,MI355X:1</c>.</summary>
public static class SimulatedGpuSpec
{
    public const int MaxGpus = 64;

    public static IReadOnlyList<GpuFamily> Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new FormatException("GpuSharing:Node:SimulatedGpus is empty; use e.g. 'MI300X:2'.");
        }

        var gpus = new List<GpuFamily>();
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = item.Split(':', StringSplitOptions.TrimEntries);
            var family = GpuCatalog.Find(parts[0])
                ?? throw new FormatException($"'{parts[0]}' is not a known GPU (known: {string.Join(", ", GpuCatalog.All.Select(f => f.Name))}).");
            var count = 1;
            if (parts.Length > 2 || (parts.Length == 2 && (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out count) || count < 1)))
            {
                throw new FormatException($"'{item}' is not of the form 'MODEL:COUNT' with COUNT ≥ 1.");
            }

            gpus.AddRange(Enumerable.Repeat(family, count));
        }

        return gpus.Count <= MaxGpus
            ? gpus
            : throw new FormatException($"At most {MaxGpus} simulated GPUs per node; got {gpus.Count}.");
    }
}

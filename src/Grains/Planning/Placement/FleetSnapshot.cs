using System.Globalization;
using GpuSharing.Grains.Hardware.Catalog;
using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>The fleet the engine plans on: real (from the node grains) or hypothetical.</summary>
public sealed record FleetSnapshot(IReadOnlyList<PlanningNode> Nodes)
{
    public int GpuCount => Nodes.Sum(n => n.Gpus.Count);

    /// <summary><paramref name="count"/> empty GPUs of <paramref name="family"/> in SPX/NPS1, <paramref name="gpusPerNode"/> to a node.</summary>
    public static FleetSnapshot Uniform(GpuFamily family, int count, int gpusPerNode = 8, string prefix = "node") =>
        Mixed([(family, count)], gpusPerNode, prefix);

    /// <summary>Hypothetical fleets such as 40 × MI300X and 16 × MI355X, each family on its own nodes.</summary>
    public static FleetSnapshot Mixed(IReadOnlyList<(GpuFamily Family, int Count)> groups, int gpusPerNode = 8, string prefix = "node")
    {
        var nodes = new List<PlanningNode>();
        foreach (var (family, count) in groups)
        {
            for (var first = 0; first < count; first += gpusPerNode)
            {
                var gpus = Enumerable.Range(0, Math.Min(gpusPerNode, count - first))
                    .Select(i => new PlanningGpu(i, family, ComputeMode.SPX, family.HbmBytes, true, []))
                    .ToList();
                var name = string.Create(CultureInfo.InvariantCulture, $"{prefix}-{family.Name.ToLowerInvariant()}-{nodes.Count:D4}");
                nodes.Add(new PlanningNode(name, MemoryMode.NPS1, true, gpus));
            }
        }

        return new FleetSnapshot(nodes);
    }
}

using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Planning.Placement;
using GpuSharing.Grains.Planning.Sizing;

namespace GpuSharing.Benchmarks;

/// <summary>What the field does without this engine, computed on the same demands and fleet.</summary>
public static class Baselines
{
    /// <summary>B0: one replica per whole GPU (what the peers do without sharing).</summary>
    public static (int GpusUsed, int Unplaced) WholeGpuPerReplica(IReadOnlyList<PlacementDemand> demands, FleetSnapshot fleet, SizingOptions sizing)
    {
        var usable = sizing.Usable(fleet.Nodes[0].Gpus[0].PartitionBytes);
        var replicas = demands.Where(d => d.Size.Fit(usable) is not null).Sum(d => d.Replicas);
        var tooBig = demands.Where(d => d.Size.Fit(usable) is null).Sum(d => d.Replicas);
        var gpus = fleet.GpuCount;
        return (Math.Min(replicas, gpus), Math.Max(0, replicas - gpus) + tooBig);
    }

    /// <summary>
    /// The AMD GPU Operator's way: the Device Config Manager gives each GPU a partition profile ahead of time and the
    /// device plugin hands out whole partitions, one replica per partition, no sharing. Computed as well as that can be
    /// done — the profile of every GPU chosen for this very workload, by this engine with every replica exclusive — so
    /// the figure is the peer's best case.
    /// </summary>
    public static (int GpusUsed, int Unplaced) DcmOneReplicaPerPartition(IReadOnlyList<PlacementDemand> demands, FleetSnapshot fleet, SizingOptions sizing)
    {
        var engine = new PlacementEngine(fleet, sizing);
        var result = engine.PlaceAll(demands.Select(d => d with { Isolation = Isolation.Exclusive }));
        return (engine.GpusUsed, result.Unplaced.Count);
    }

    /// <summary>
    /// HAMi's way: whole (SPX) GPUs shared by memory with no isolation — every replica may share, exclusive ones too —
    /// each placed as it arrives on the fullest GPU it fits (HAMi's binpack policy), replicas of one deployment apart.
    /// </summary>
    public static (int GpusUsed, int Unplaced) HamiBinpack(IReadOnlyList<PlacementDemand> demands, FleetSnapshot fleet, SizingOptions sizing)
    {
        var usable = sizing.Usable(fleet.Nodes[0].Gpus[0].PartitionBytes);
        var gpus = fleet.GpuCount;
        var free = Enumerable.Repeat(usable, gpus).ToArray();
        var holders = Enumerable.Range(0, gpus).Select(_ => new HashSet<string>(StringComparer.Ordinal)).ToArray();
        var used = 0;
        var unplaced = 0;
        foreach (var demand in demands)
        {
            for (var replica = 0; replica < demand.Replicas; replica++)
            {
                if (demand.Size.Fit(usable)?.BytesPerPartition is not { } need)
                {
                    unplaced++;
                    continue;
                }

                var best = -1;
                for (var g = 0; g < gpus; g++)
                {
                    if (free[g] >= need && !holders[g].Contains(demand.Deployment) && (best < 0 || free[g] < free[best]))
                    {
                        best = g;
                    }
                }

                if (best < 0)
                {
                    unplaced++;
                    continue;
                }

                used += free[best] == usable ? 1 : 0;
                free[best] -= need;
                holders[best].Add(demand.Deployment);
            }
        }

        return (used, unplaced);
    }
}

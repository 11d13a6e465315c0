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

    /// <summary>First-fit-decreasing by memory onto unpartitioned (SPX) GPUs, sharing them; an exclusive replica takes a whole GPU.</summary>
    public static (int GpusUsed, int Unplaced) FirstFitDecreasingSpx(IReadOnlyList<PlacementDemand> demands, FleetSnapshot fleet, SizingOptions sizing)
    {
        var usable = sizing.Usable(fleet.Nodes[0].Gpus[0].PartitionBytes);
        var gpus = fleet.GpuCount;
        var free = Enumerable.Repeat(usable, gpus).ToArray();
        var exclusive = new bool[gpus];
        var holders = Enumerable.Range(0, gpus).Select(_ => new HashSet<string>(StringComparer.Ordinal)).ToArray();
        var used = 0;
        var unplaced = 0;
        var replicas = demands
            .SelectMany(d => Enumerable.Range(0, d.Replicas).Select(_ => (Demand: d, Bytes: d.Size.Fit(usable)?.BytesPerPartition)))
            .OrderByDescending(r => r.Demand.Priority)
            .ThenByDescending(r => r.Bytes ?? long.MaxValue)
            .ThenBy(r => r.Demand.Deployment, StringComparer.Ordinal);
        foreach (var (demand, bytes) in replicas)
        {
            if (bytes is not { } need)
            {
                unplaced++;
                continue;
            }

            var placed = false;
            for (var g = 0; g < gpus && !placed; g++)
            {
                var empty = free[g] == usable;
                if (exclusive[g] || holders[g].Contains(demand.Deployment) || free[g] < need || (demand.Isolation == Isolation.Exclusive && !empty))
                {
                    continue;
                }

                used += empty ? 1 : 0;
                free[g] -= need;
                exclusive[g] = demand.Isolation == Isolation.Exclusive;
                holders[g].Add(demand.Deployment);
                placed = true;
            }

            unplaced += placed ? 0 : 1;
        }

        return (used, unplaced);
    }
}

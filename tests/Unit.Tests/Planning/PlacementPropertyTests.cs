using CsCheck;
using GpuSharing.Grains.Hardware.Catalog;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Planning.Placement;
using GpuSharing.Grains.Planning.Sizing;

namespace GpuSharing.Unit.Tests.Planning;

/// <summary>
/// The hard rules of PLACEMENT.md §3 over random fleets (families, memory and compute modes, unreachable nodes,
/// Degraded GPUs, existing reservations from an earlier plan) and random demands (sizes, priorities, isolation,
/// replicas, tensor parallelism, pins).
/// </summary>
public sealed class PlacementPropertyTests
{
    private const long GiB = 1L << 30;
    private static readonly SizingOptions Sizing = SizingOptions.Default;

    private static readonly Gen<PlacementDemand[]> Demands =
        Gen.Select(
            Gen.Int[1, 60],
            Gen.Int[0, 40],
            Gen.Int[0, 29],
            Gen.Int[0, 2],
            Gen.Bool,
            Gen.Int[1, 3],
            Gen.OneOf(1, 1, 2, 8),
            (weights, kv, shareAndPin, priority, exclusive, replicas, tp) => (weights, kv, minKvShare: shareAndPin % 3, priority, exclusive, replicas, tp, pin: shareAndPin / 3))
        .Array[1, 30]
        .Select(items => items.Select((d, i) => new PlacementDemand(
            $"ns/{(char)('a' + (i % 26))}{i}",
            d.replicas,
            (Priority)d.priority,
            d.exclusive ? Isolation.Exclusive : Isolation.Shared,
            new ReplicaSize(d.weights * GiB, d.kv * GiB, d.kv * GiB * d.minKvShare / 3, 5 * GiB),
            d.tp,
            d.pin == 0 ? "node-b" : null)).ToArray());

    private static readonly Gen<FleetSnapshot> Fleets =
        Gen.Select(Gen.Int[1, 3], Gen.Int[1, 4], Gen.Int[0, 1000])
        .Select((nodes, gpus, seed) => RandomFleet(nodes, gpus, new Random(seed)));

    [Fact]
    public void No_rule_is_ever_broken() => Gen.Select(Fleets, Demands, Demands).Sample(CheckEveryRule, iter: 150, threads: 1);

    // Seeds that once broke a rule, replayed on every run.
    [Theory]
    [InlineData("d9RgrjFd3tf1")]
    public void No_rule_is_broken_on_a_seed_that_once_broke_one(string seed) =>
        Gen.Select(Fleets, Demands, Demands).Sample(CheckEveryRule, iter: 1, threads: 1, seed: seed);

    private static void CheckEveryRule(FleetSnapshot fleet, PlacementDemand[] earlier, PlacementDemand[] later)
    {
        // The fleet starts with the reservations of an earlier plan, then takes new deployments.
        var before = new PlacementEngine(fleet, Sizing);
        before.PlaceAll(earlier);
        var start = before.Snapshot();
        var engine = new PlacementEngine(start, Sizing);
        var fresh = later.Select(d => d with { Deployment = "new/" + d.Deployment }).ToArray();
        var result = engine.PlaceAll(fresh);
        var end = engine.Snapshot();

        AssertNoOverCommitment(end);
        AssertExclusiveAlone(end);
        AssertReplicasApart(end);
        AssertPlacedAtMostOnce(end, fresh);
        AssertValidModes(end);
        AssertPreemptionsOnlyDownward(result, fresh);
        AssertNobodyLosesAPlaceToAnEqual(result, [.. fresh, .. earlier]);
        AssertOnlyEmptiedGpusRepartitioned(start, result);
        AssertNothingNewOnUnschedulable(start, result);
        AssertPinsHonoured(result, [.. fresh, .. earlier]);
        AssertResultIsTheWholeChange(start, result, end);
    }

    [Fact]
    public void The_same_input_gives_the_same_decisions()
    {
        Gen.Select(Fleets, Demands).Sample((fleet, demands) =>
        {
            var first = new PlacementEngine(fleet, Sizing).PlaceAll(demands);
            var second = new PlacementEngine(fleet, Sizing).PlaceAll(demands.Reverse());
            Assert.Equal(Describe(first), Describe(second));
        }, iter: 200, threads: 1);
    }

    [Fact]
    public void Incremental_placement_keeps_the_rules_too()
    {
        Gen.Select(Fleets, Demands).Sample((fleet, demands) =>
        {
            var engine = new PlacementEngine(fleet, Sizing);
            foreach (var demand in demands)
            {
                var result = engine.Place(demand);
                AssertPreemptionsOnlyDownward(result, demands);
            }

            foreach (var demand in demands.Where((_, i) => i % 3 == 0))
            {
                engine.Remove(demand.Deployment);
                engine.Place(demand with { Replicas = Math.Max(1, demand.Replicas - 1) });
            }

            var end = engine.Snapshot();
            AssertNoOverCommitment(end);
            AssertExclusiveAlone(end);
            AssertReplicasApart(end);
            AssertValidModes(end);
        }, iter: 200, threads: 1);
    }

    private static FleetSnapshot RandomFleet(int nodes, int gpus, Random random)
    {
        var list = new List<PlanningNode>();
        for (var n = 0; n < nodes; n++)
        {
            var family = random.Next(3) == 0 ? GpuCatalog.MI355X : GpuCatalog.MI300X;
            var memory = family.MemoryModes[random.Next(family.MemoryModes.Count)];
            var modes = family.ComputeModes.Where(m => family.IsValid(m, memory)).ToList();
            var gpuList = Enumerable.Range(0, gpus).Select(i =>
            {
                var mode = modes[random.Next(modes.Count)];
                return new PlanningGpu(i, family, mode, family.HbmBytes / (int)mode, random.Next(10) != 0, []);
            }).ToList();
            list.Add(new PlanningNode($"node-{(char)('a' + n)}", memory, random.Next(8) != 0, gpuList));
        }

        return new FleetSnapshot(list);
    }

    private static void AssertNoOverCommitment(FleetSnapshot fleet)
    {
        foreach (var node in fleet.Nodes)
        {
            foreach (var gpu in node.Gpus)
            {
                for (var p = 0; p < (int)gpu.ComputeMode; p++)
                {
                    var reserved = gpu.Reservations.Where(r => r.FirstPartition <= p && p < r.FirstPartition + r.Span).Sum(r => r.BytesPerPartition);
                    Assert.True(reserved <= Sizing.Usable(gpu.PartitionBytes), $"{node.Name}/{gpu.Index}/{p} holds {reserved} of {Sizing.Usable(gpu.PartitionBytes)}");
                }
            }
        }
    }

    private static void AssertExclusiveAlone(FleetSnapshot fleet)
    {
        foreach (var gpu in fleet.Nodes.SelectMany(n => n.Gpus))
        {
            for (var p = 0; p < (int)gpu.ComputeMode; p++)
            {
                var here = gpu.Reservations.Where(r => r.FirstPartition <= p && p < r.FirstPartition + r.Span).ToList();
                Assert.False(here.Count > 1 && here.Any(r => r.Isolation == Isolation.Exclusive), $"an exclusive replica shares partition {p}: {string.Join(", ", here.Select(r => r.Deployment))}");
            }
        }
    }

    private static void AssertReplicasApart(FleetSnapshot fleet)
    {
        foreach (var node in fleet.Nodes)
        {
            foreach (var gpu in node.Gpus)
            {
                var repeated = gpu.Reservations.GroupBy(r => r.Deployment).FirstOrDefault(g => g.Count() > 1);
                Assert.True(repeated is null, $"{repeated?.Key} has two replicas on {node.Name}/{gpu.Index}");
            }
        }
    }

    private static void AssertPlacedAtMostOnce(FleetSnapshot fleet, IReadOnlyList<PlacementDemand> demands)
    {
        var all = fleet.Nodes.SelectMany(n => n.Gpus).SelectMany(g => g.Reservations).ToList();
        Assert.Equal(all.Count, all.Select(r => (r.Deployment, r.Replica)).Distinct().Count());
        foreach (var demand in demands)
        {
            Assert.All(all.Where(r => r.Deployment == demand.Deployment), r => Assert.InRange(r.Replica, 0, demand.Replicas - 1));
        }
    }

    private static void AssertValidModes(FleetSnapshot fleet)
    {
        foreach (var node in fleet.Nodes)
        {
            Assert.All(node.Gpus, g => Assert.True(g.Family.IsValid(g.ComputeMode, node.MemoryMode), $"{node.Name}/{g.Index}: {g.ComputeMode}/{node.MemoryMode}"));
        }
    }

    // The result is what a grain carries out: the start, less what it removes, plus what it assigns, is the end.
    private static void AssertResultIsTheWholeChange(FleetSnapshot start, PlacementResult result, FleetSnapshot end)
    {
        static IEnumerable<(string, int, string, int, int, int, long)> Held(FleetSnapshot fleet) =>
            fleet.Nodes.SelectMany(n => n.Gpus.SelectMany(g => g.Reservations.Select(r => (r.Deployment, r.Replica, n.Name, g.Index, r.FirstPartition, r.Span, r.BytesPerPartition))));

        var carried = Held(start).ToHashSet();
        foreach (var removed in result.Removed)
        {
            Assert.True(carried.Remove((removed.Deployment, removed.Replica, removed.Node, removed.Gpu, removed.FirstPartition, removed.Span, removed.BytesPerPartition)), $"{removed.Deployment}#{removed.Replica} removed from where it was not");
        }

        foreach (var assigned in result.Assigned)
        {
            Assert.True(carried.Add((assigned.Deployment, assigned.Replica, assigned.Node, assigned.Gpu, assigned.FirstPartition, assigned.Span, assigned.BytesPerPartition)), $"{assigned.Deployment}#{assigned.Replica} assigned twice");
        }

        Assert.Equal(Held(end).Order(), carried.Order());
    }

    private static void AssertPreemptionsOnlyDownward(PlacementResult result, IReadOnlyList<PlacementDemand> demands)
    {
        foreach (var preemption in result.Preemptions)
        {
            var preemptor = demands.Single(d => d.Deployment == preemption.PreemptedFor);
            Assert.True(preemption.Priority < preemptor.Priority, $"{preemption.Deployment} ({preemption.Priority}) preempted for {preemptor.Deployment} ({preemptor.Priority})");
        }
    }

    // A GPU is repartitioned (a node's memory mode changed) only when everything on it was taken off first: preempted,
    // or moved and placed again.
    // A replica taken off its partitions is placed again (a move), or preempted by a strictly higher priority.
    private static void AssertNobodyLosesAPlaceToAnEqual(PlacementResult result, IReadOnlyList<PlacementDemand> demands)
    {
        var placedAgain = result.Assigned.Select(a => (a.Deployment, a.Replica)).ToHashSet();
        var preempted = result.Preemptions.ToDictionary(p => (p.Deployment, p.Replica));
        foreach (var removed in result.Removed.Where(r => !placedAgain.Contains((r.Deployment, r.Replica))))
        {
            Assert.True(preempted.TryGetValue((removed.Deployment, removed.Replica), out var preemption), $"{removed.Deployment}#{removed.Replica} lost its place without a preemption");
            Assert.True(preemption.Priority < demands.Single(d => d.Deployment == preemption.PreemptedFor).Priority);
        }

        foreach (var move in result.Moves)
        {
            Assert.True(move.Priority <= demands.Single(d => d.Deployment == move.MovedFor).Priority, $"{move.Deployment} ({move.Priority}) moved for {move.MovedFor}");
            Assert.Contains((move.Deployment, move.Replica), placedAgain);
        }
    }

    private static void AssertOnlyEmptiedGpusRepartitioned(FleetSnapshot start, PlacementResult result)
    {
        var preempted = result.Removed.Select(p => (p.Deployment, p.Replica)).ToHashSet();
        foreach (var repartition in result.Repartitions)
        {
            var gpu = start.Nodes.Single(n => n.Name == repartition.Node).Gpus.Single(g => g.Index == repartition.Gpu);
            Assert.All(gpu.Reservations, r => Assert.Contains((r.Deployment, r.Replica), preempted));
        }

        foreach (var change in result.MemoryModeChanges)
        {
            Assert.All(start.Nodes.Single(n => n.Name == change.Node).Gpus.SelectMany(g => g.Reservations), r => Assert.Contains((r.Deployment, r.Replica), preempted));
        }
    }

    private static void AssertNothingNewOnUnschedulable(FleetSnapshot start, PlacementResult result)
    {
        foreach (var assignment in result.Assigned)
        {
            var node = start.Nodes.Single(n => n.Name == assignment.Node);
            Assert.True(node.Reachable && node.Gpus.Single(g => g.Index == assignment.Gpu).Schedulable, $"{assignment.Deployment} went to {assignment.Node}/{assignment.Gpu}, which takes nothing new");
        }
    }

    private static void AssertPinsHonoured(PlacementResult result, IReadOnlyList<PlacementDemand> demands)
    {
        foreach (var assignment in result.Assigned)
        {
            if (demands.Single(d => d.Deployment == assignment.Deployment).Node is { } pinned)
            {
                Assert.Equal(pinned, assignment.Node);
            }
        }
    }

    private static string Describe(PlacementResult result) =>
        string.Join(';', result.Assigned.Select(a => $"{a.Deployment}#{a.Replica}@{a.Node}/{a.Gpu}/{a.FirstPartition}x{a.Span}:{a.BytesPerPartition}:{a.ComputeMode}"))
        + "|" + string.Join(';', result.Repartitions) + "|" + string.Join(';', result.MemoryModeChanges) + "|" + string.Join(';', result.Preemptions)
        + "|" + string.Join(';', result.Unplaced.Select(u => $"{u.Deployment}#{u.Replica}"));
}

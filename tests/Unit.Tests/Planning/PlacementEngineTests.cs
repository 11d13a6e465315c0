using GpuSharing.Grains.Hardware.Catalog;
using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Planning.Placement;
using GpuSharing.Grains.Planning.Sizing;

namespace GpuSharing.Unit.Tests.Planning;

public sealed class PlacementEngineTests
{
    private const long GiB = 1L << 30;

    private static PlacementDemand Demand(string name, double totalGiB, Priority priority = Priority.Low, Isolation? isolation = null, int replicas = 1, int maxTp = 1, string? node = null, double minKvGiB = 1) =>
        new(name, replicas, priority, isolation ?? (priority == Priority.High ? Isolation.Exclusive : Isolation.Shared),
            new ReplicaSize((long)((totalGiB - 5 - minKvGiB) * GiB), (long)(minKvGiB * GiB), (long)(minKvGiB * GiB), 5 * GiB), maxTp, node);

    [Fact]
    public void An_exclusive_replica_gets_the_smallest_partition_that_holds_it_on_an_empty_GPU()
    {
        var engine = new PlacementEngine(FleetSnapshot.Uniform(GpuCatalog.MI300X, 2));

        var result = engine.Place(Demand("a/small", 20, Priority.High));

        var assignment = Assert.Single(result.Assigned);
        Assert.Equal((ComputeMode.CPX, 0, 1), (assignment.ComputeMode, assignment.Gpu, assignment.Span));
        Assert.Equal(new RepartitionDecision("node-mi300x-0000", 0, ComputeMode.SPX, ComputeMode.CPX), Assert.Single(result.Repartitions));
    }

    [Fact]
    public void Exclusive_replicas_fill_a_partitioned_GPU_before_another_is_repartitioned()
    {
        var engine = new PlacementEngine(FleetSnapshot.Uniform(GpuCatalog.MI300X, 4));

        var result = engine.PlaceAll(Enumerable.Range(0, 9).Select(i => Demand($"a/m{i}", 20, Priority.High)));

        Assert.Equal(2, engine.GpusUsed);
        Assert.Equal(2, result.Repartitions.Count);
        Assert.Equal(8, result.Assigned.Count(a => a.Gpu == 0));
    }

    [Fact]
    public void Shared_replicas_pack_into_a_GPU_in_use_before_opening_another()
    {
        var engine = new PlacementEngine(FleetSnapshot.Uniform(GpuCatalog.MI300X, 4));

        var result = engine.PlaceAll(Enumerable.Range(0, 9).Select(i => Demand($"a/s{i}", 20)));

        Assert.Empty(result.Repartitions);
        Assert.Equal(1, engine.GpusUsed);
        Assert.All(result.Assigned, a => Assert.Equal((0, ComputeMode.SPX), (a.Gpu, a.ComputeMode)));
        Assert.True(result.Assigned.Sum(a => a.BytesPerPartition) <= SizingOptions.Default.Usable(192 * GiB));
    }

    [Fact]
    public void Replicas_go_to_different_GPUs_and_to_different_nodes_when_there_are_any()
    {
        var engine = new PlacementEngine(FleetSnapshot.Uniform(GpuCatalog.MI300X, 16));

        var result = engine.Place(Demand("a/replicated", 20, replicas: 3));

        Assert.Equal(3, result.Assigned.Select(a => (a.Node, a.Gpu)).Distinct().Count());
        Assert.Equal(2, result.Assigned.Select(a => a.Node).Distinct().Count()); // two nodes: one of them must hold two
        var oneNode = new PlacementEngine(FleetSnapshot.Uniform(GpuCatalog.MI300X, 2)).Place(Demand("a/replicated", 20, replicas: 3));
        Assert.Equal(2, oneNode.Assigned.Count);
        Assert.Single(oneNode.Unplaced);
        Assert.Equal(2, oneNode.Unplaced[0].Explanation.Counts[RejectionReason.AntiAffinity]);
    }

    [Fact]
    public void A_GPU_is_repartitioned_under_a_replica_only_when_the_replica_gets_a_place_again()
    {
        // A 100 GiB tenant fits no CPX partition: making room for an exclusive CPX replica would cost it its place.
        var kept = new PlacementEngine(FleetSnapshot.Uniform(GpuCatalog.MI300X, 1));
        kept.Place(Demand("a/tenant", 100));
        var refused = kept.Place(Demand("b/needs-cpx", 20, Priority.Low, Isolation.Exclusive));

        // A 20 GiB tenant does: the GPU is repartitioned and the tenant moves to a partition of its own.
        var moved = new PlacementEngine(FleetSnapshot.Uniform(GpuCatalog.MI300X, 1));
        moved.Place(Demand("a/tenant", 20));
        var placed = moved.Place(Demand("b/needs-cpx", 20, Priority.Low, Isolation.Exclusive));

        Assert.Empty(refused.Repartitions);
        Assert.Empty(refused.Assigned);
        Assert.Equal(RejectionReason.Memory, Assert.Single(refused.Unplaced).Explanation.Gpus.Single().Reason);
        Assert.Equal(ComputeMode.SPX, Assert.Single(kept.Assignments("a/tenant")).ComputeMode);

        Assert.Equal(new RepartitionDecision("node-mi300x-0000", 0, ComputeMode.SPX, ComputeMode.CPX), Assert.Single(placed.Repartitions));
        Assert.Empty(placed.Preemptions);
        Assert.Equal(("a/tenant", "b/needs-cpx"), (Assert.Single(placed.Moves).Deployment, placed.Moves[0].MovedFor));
        Assert.Equal([(ComputeMode.CPX, 0), (ComputeMode.CPX, 1)], new[] { moved.Assignments("b/needs-cpx")[0], moved.Assignments("a/tenant")[0] }.Select(a => (a.ComputeMode, a.FirstPartition)));
    }

    [Fact]
    public void High_preempts_the_fewest_lowest_priority_replicas_and_low_never_preempts()
    {
        var engine = new PlacementEngine(FleetSnapshot.Uniform(GpuCatalog.MI300X, 1));
        engine.PlaceAll([Demand("a/low-1", 90), Demand("a/low-2", 90)]);

        var lowArrives = engine.Place(Demand("c/late-low", 50));
        var highArrives = engine.Place(Demand("b/urgent", 50, Priority.High, Isolation.Shared));

        Assert.Empty(lowArrives.Assigned);
        Assert.Empty(lowArrives.Preemptions);
        var preemption = Assert.Single(highArrives.Preemptions);
        Assert.Equal((Priority.Low, "b/urgent"), (preemption.Priority, preemption.PreemptedFor));
        Assert.Equal("b/urgent", Assert.Single(highArrives.Assigned).Deployment);
        Assert.Contains(highArrives.Unplaced, u => u.Deployment == preemption.Deployment);
    }

    [Fact]
    public void Medium_is_preempted_only_when_no_low_will_do_and_high_is_never_preempted()
    {
        var engine = new PlacementEngine(FleetSnapshot.Uniform(GpuCatalog.MI300X, 1));
        engine.PlaceAll([Demand("a/high", 90, Priority.High, Isolation.Shared), Demand("a/medium", 90, Priority.Medium)]);

        var result = engine.Place(Demand("b/high-2", 80, Priority.High, Isolation.Shared));

        Assert.Equal(("a/medium", Priority.Medium), (result.Preemptions.Single().Deployment, result.Preemptions.Single().Priority));
        Assert.Contains(engine.Assignments("a/high"), a => a.Replica == 0);
    }

    [Fact]
    public void A_replica_too_large_for_any_GPU_is_explained()
    {
        var engine = new PlacementEngine(FleetSnapshot.Uniform(GpuCatalog.MI300X, 2));

        var result = engine.Place(Demand("a/huge", 400));

        var explanation = Assert.Single(result.Unplaced).Explanation;
        Assert.Equal(2, explanation.Counts[RejectionReason.Memory]);
        Assert.Contains("the largest space an MI300X offers it is", explanation.Gpus[0].Detail, StringComparison.Ordinal);
        Assert.StartsWith("Replica 0 of a/huge", explanation.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Tensor_parallel_spans_partitions_of_one_GPU_when_allowed()
    {
        var fleet = Cpx(FleetSnapshot.Uniform(GpuCatalog.MI300X, 1));
        var engine = new PlacementEngine(fleet, allowRepartition: false);

        var withoutTp = engine.Place(Demand("a/60g", 60, Priority.High));
        var withTp = engine.Place(Demand("b/60g", 60, Priority.High, maxTp: 8));

        Assert.Empty(withoutTp.Assigned);
        var assignment = Assert.Single(withTp.Assigned);
        Assert.Equal(4, assignment.Span);
    }

    [Fact]
    public void Unreachable_and_unschedulable_GPUs_take_nothing_but_keep_what_they_hold()
    {
        var fleet = FleetSnapshot.Uniform(GpuCatalog.MI300X, 16);
        var down = fleet.Nodes[0] with { Reachable = false, Gpus = [.. fleet.Nodes[0].Gpus.Select(g => g with { Reservations = [new PlanningReservation("x/kept", g.Index, 0, 1, 10 * GiB, Priority.Low, Isolation.Shared)] })] };
        var degraded = fleet.Nodes[1] with { Gpus = [.. fleet.Nodes[1].Gpus.Select(g => g with { Schedulable = g.Index != 0 })] };
        var engine = new PlacementEngine(new FleetSnapshot([down, degraded]));

        var result = engine.PlaceAll(Enumerable.Range(0, 40).Select(i => Demand($"a/s{i}", 40)));

        Assert.DoesNotContain(result.Assigned, a => a.Node == down.Name || (a.Node == degraded.Name && a.Gpu == 0));
        Assert.Equal(8, engine.Assignments("x/kept").Count);
        var explanation = result.Unplaced.First().Explanation;
        Assert.Equal(8, explanation.Counts[RejectionReason.NodeDown]);
        Assert.Equal(1, explanation.Counts[RejectionReason.NotSchedulable]);
    }

    [Fact]
    public void MI355X_nodes_switch_to_NPS2_only_while_empty()
    {
        var engine = new PlacementEngine(FleetSnapshot.Uniform(GpuCatalog.MI355X, 16));

        var first = engine.Place(Demand("a/shared", 50));
        var exclusive = engine.Place(Demand("b/exclusive", 30, Priority.High));

        Assert.Empty(first.MemoryModeChanges);
        var change = Assert.Single(exclusive.MemoryModeChanges);
        Assert.Equal((MemoryMode.NPS1, MemoryMode.NPS2), (change.From, change.To));
        Assert.NotEqual(first.Assigned.Single().Node, change.Node);
        Assert.Equal(ComputeMode.CPX, exclusive.Assigned.Single().ComputeMode);
    }

    [Fact]
    public void A_pinned_deployment_only_lands_on_its_node()
    {
        var engine = new PlacementEngine(FleetSnapshot.Uniform(GpuCatalog.MI300X, 16));

        var result = engine.Place(Demand("a/pinned", 20, node: "node-mi300x-0001"));

        Assert.Equal("node-mi300x-0001", Assert.Single(result.Assigned).Node);
    }

    [Fact]
    public void Scaling_adds_and_removes_replicas_without_moving_the_others()
    {
        var engine = new PlacementEngine(FleetSnapshot.Uniform(GpuCatalog.MI300X, 16));
        var first = engine.Place(Demand("a/scaled", 20, replicas: 2));

        var up = engine.Place(Demand("a/scaled", 20, replicas: 3));
        var down = engine.Place(Demand("a/scaled", 20, replicas: 1));

        Assert.Equal(2, first.Assigned.Count);
        Assert.Equal(2, Assert.Single(up.Assigned).Replica);
        Assert.Equal([1, 2], down.Removed.Select(r => r.Replica).Order());
        Assert.Equal(first.Assigned.Single(a => a.Replica == 0), engine.Assignments("a/scaled").Single());
    }

    [Fact]
    public void Removing_a_deployment_frees_its_GPU_for_a_repartition()
    {
        var engine = new PlacementEngine(FleetSnapshot.Uniform(GpuCatalog.MI300X, 1));
        engine.Place(Demand("a/tenant", 20));
        engine.Remove("a/tenant");

        var result = engine.Place(Demand("b/exclusive", 20, Priority.High));

        Assert.Equal(ComputeMode.CPX, Assert.Single(result.Assigned).ComputeMode);
        Assert.Empty(engine.Assignments("a/tenant"));
    }

    [Fact]
    public void Bounds_count_exclusive_fractions_and_shared_memory()
    {
        var engine = new PlacementEngine(FleetSnapshot.Uniform(GpuCatalog.MI300X, 8));
        var demands = new[] { Demand("a/x1", 20, Priority.High), Demand("a/x2", 40, Priority.High), Demand("a/s1", 96), Demand("a/s2", 96) };
        engine.PlaceAll(demands);

        var bounds = PlacementBounds.Compute(engine, demands);

        // 1/8 + 1/4 exclusive + 192 GiB shared of 192 GiB HBM = 1.375 → 2 GPUs; every replica as exclusive: 1/8 + 1/4 + 1 + 1.
        Assert.Equal((2, 2, 3), (bounds.Bound, bounds.Volume, bounds.Slots));
        Assert.InRange(engine.GpusUsed, bounds.Bound, bounds.Slots + 2);
    }

    private static FleetSnapshot Cpx(FleetSnapshot fleet) =>
        new([.. fleet.Nodes.Select(n => n with { Gpus = [.. n.Gpus.Select(g => g with { ComputeMode = ComputeMode.CPX, PartitionBytes = g.PartitionBytes / 8 })] })]);
}

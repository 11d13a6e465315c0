using GpuSharing.Grains.Hardware.Catalog;
using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Planning.Placement;
using GpuSharing.Grains.Planning.Sizing;

namespace GpuSharing.Unit.Tests.Planning;

/// <summary>The cases users met on the live path: deployments arriving one at a time, in an unlucky order.</summary>
public sealed class OnlinePlacementTests
{
    private const long GiB = 1L << 30;

    // Applied in this order on one MI300X, these five used to leave the high replica alone on the whole SPX GPU and
    // the other four pending for good (the README's order fits all five in QPX).
    private static readonly (string Name, DeploymentSpec Spec)[] UnluckyOrder =
    [
        ("team-b/qwen-05b", Spec("qwen2.5-0.5b", Priority.Low)),
        ("team-a/qwen-15b", Spec("qwen2.5-1.5b", Priority.Medium)),
        ("prod/llama-8b", Spec("llama-3.1-8b", Priority.High, Precision.Fp8)),
        ("team-a/qwen-7b", Spec("qwen2.5-7b", Priority.Medium)),
        ("team-b/mistral", Spec("mistral-7b", Priority.Low, Precision.Int4)),
    ];

    [Fact]
    public void Five_deployments_in_an_unlucky_order_all_fit_one_MI300X_like_the_plan()
    {
        var live = new PlacementEngine(FleetSnapshot.Uniform(GpuCatalog.MI300X, 1));
        var decisions = UnluckyOrder.Select(d => live.Place(Demand(d.Name, d.Spec))).ToList();

        var plan = new PlacementEngine(FleetSnapshot.Uniform(GpuCatalog.MI300X, 1));
        plan.PlaceAll(UnluckyOrder.Select(d => Demand(d.Name, d.Spec)));

        Assert.All(UnluckyOrder, d => Assert.Single(live.Assignments(d.Name)));
        Assert.All(UnluckyOrder, d => Assert.Single(plan.Assignments(d.Name)));
        Assert.Equal(1, live.GpusUsed);
        Assert.All(live.AllAssignments(), a => Assert.Equal(ComputeMode.QPX, a.ComputeMode));

        // The high replica took a QPX partition, not the whole GPU; the two it displaced moved with it, nobody lost a place.
        var high = decisions[2];
        Assert.Equal(new RepartitionDecision("node-mi300x-0000", 0, ComputeMode.SPX, ComputeMode.QPX), Assert.Single(high.Repartitions));
        Assert.Empty(high.Preemptions);
        Assert.Equal(["team-a/qwen-15b", "team-b/qwen-05b"], high.Moves.Select(m => m.Deployment).Order(StringComparer.Ordinal));
        Assert.All(high.Moves, m => Assert.Equal("prod/llama-8b", m.MovedFor));
        Assert.Empty(high.Unplaced);
    }

    [Fact]
    public void Replicas_evicted_for_a_higher_priority_are_placed_again_at_once_with_their_KV_target_by_an_engine_rebuilt_from_the_fleet()
    {
        var first = new PlacementEngine(FleetSnapshot.Uniform(GpuCatalog.MI300X, 1));
        first.Place(Demand("team-b/qwen-05b", UnluckyOrder[0].Spec));
        first.Place(Demand("team-a/qwen-15b", UnluckyOrder[1].Spec));

        // The live system rebuilds its engine from what the partitions hold: the demand and KV cache travel with it.
        var rebuilt = new PlacementEngine(first.Snapshot());
        var result = rebuilt.Place(Demand("prod/llama-8b", UnluckyOrder[2].Spec));

        foreach (var (name, spec) in UnluckyOrder.Take(2))
        {
            var moved = Assert.Single(rebuilt.Assignments(name));
            Assert.True(moved.FullKv);
            Assert.Equal(ModelSizer.Size(spec).KvTargetBytes, moved.KvBytes);
        }

        Assert.Equal(2, result.Moves.Count);
        Assert.Empty(result.Preemptions);
    }

    [Fact]
    public void A_rebuilt_engine_keeps_the_KV_cache_each_replica_was_given()
    {
        var first = new PlacementEngine(FleetSnapshot.Uniform(GpuCatalog.MI300X, 1));
        first.Place(Demand("team-a/qwen-7b", UnluckyOrder[3].Spec));

        var rebuilt = new PlacementEngine(first.Snapshot());

        Assert.Equal(first.Assignments("team-a/qwen-7b"), rebuilt.Assignments("team-a/qwen-7b"));
        Assert.True(rebuilt.Assignments("team-a/qwen-7b")[0].KvBytes > 0);
    }

    [Fact]
    public void Replicas_go_to_an_empty_GPU_on_another_node_before_a_used_GPU_of_their_own_node()
    {
        var fleet = new FleetSnapshot([
            FleetSnapshot.Uniform(GpuCatalog.MI300X, 2, 2, "a").Nodes[0],
            FleetSnapshot.Uniform(GpuCatalog.MI300X, 2, 2, "b").Nodes[0]]);
        var engine = new PlacementEngine(fleet);
        engine.Place(Demand("x/tenant", Spec("qwen2.5-7b", Priority.Medium))); // node a GPU 0 is in use

        var result = engine.Place(new PlacementDemand("y/replicated", 2, Priority.Medium, Isolation.Shared, ModelSizer.Size(Spec("qwen2.5-7b", Priority.Medium)).Replica));

        Assert.Equal(2, result.Assigned.Select(a => a.Node).Distinct().Count());
    }

    [Fact]
    public void A_high_replica_under_load_takes_the_smallest_partition_and_only_the_lows_that_fit_nowhere_lose_their_place()
    {
        // Eight GPUs full of low replicas in SPX; a 33 GiB high replica arrives.
        var engine = new PlacementEngine(FleetSnapshot.Uniform(GpuCatalog.MI300X, 8));
        var lows = Enumerable.Range(0, 40).Select(i => new PlacementDemand($"batch/low-{i:D2}", 1, Priority.Low, Isolation.Shared, new ReplicaSize(20 * GiB, 8 * GiB, 2 * GiB, 5 * GiB))).ToList();
        engine.PlaceAll(lows);
        var placedBefore = lows.Sum(l => engine.Assignments(l.Deployment).Count);

        var result = engine.Place(new PlacementDemand("prod/high", 1, Priority.High, Isolation.Exclusive, new ReplicaSize(20 * GiB, 8 * GiB, 8 * GiB, 5 * GiB)));

        var high = Assert.Single(result.Assigned, a => a.Deployment == "prod/high");
        Assert.True(high.PartitionBytes <= 48 * GiB, $"the high replica took a {high.ComputeMode} partition of {high.PartitionBytes / GiB} GiB");
        // Its GPU held five lows (165 of 188 GiB): the QPX partitions left hold three of them; two find no room anywhere.
        // Before, it took the whole SPX GPU and all five lost their place.
        var placedAfter = lows.Sum(l => engine.Assignments(l.Deployment).Count);
        Assert.Equal((2, 3), (result.Preemptions.Count, result.Moves.Count));
        Assert.Equal(placedBefore - 2, placedAfter);
    }

    private static DeploymentSpec Spec(string model, Priority priority, Precision precision = Precision.Bf16) =>
        new(model, precision, null, null, 1, priority);

    private static PlacementDemand Demand(string name, DeploymentSpec spec)
    {
        var sizing = ModelSizer.Size(spec);
        return new PlacementDemand(name, spec.Replicas, spec.Priority, spec.EffectiveIsolation, sizing.Replica, sizing.MaxTensorParallel);
    }
}

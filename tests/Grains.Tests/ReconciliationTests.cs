using GpuSharing.Grains.Interfaces.Fleet;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Partitions;
using GpuSharing.Grains.Interfaces.Placement;
using GpuSharing.Grains.Placement;
using Microsoft.Extensions.DependencyInjection;

namespace GpuSharing.Grains.Tests;

/// <summary>
/// Reservations and deployments agree whatever happened behind the placement grain's back: reservations whose deployment
/// is gone are released, deployments whose reservations vanished are placed again, and no rebuild changes a binding.
/// </summary>
public sealed class ReconciliationTests
{
    private const long GiB = 1L << 30;
    private static readonly DeploymentSpec Qwen7B = new("qwen2.5-7b", Precision.Bf16, 8192, 16, 1, Priority.Medium);

    [Fact]
    public async Task Reconciliation_releases_a_reservation_nobody_owns_and_places_again_a_deployment_whose_reservation_vanished()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await HardwareCluster.StartAsync(FastReconciliation, ("node-a", "MI300X:1"));
        await cluster.Model("team-a/qwen").ApplyAsync(Qwen7B, 1, ct);
        var placed = Assert.Single((await cluster.WaitForModelAsync("team-a/qwen", v => v.Status == ModelStatus.Placed)).Placements);
        var partition = cluster.Partition(placed.Node, placed.Gpu, placed.FirstPartition);

        // Behind the control plane's back: a reservation of a deployment that does not exist (its delete was lost), and
        // the real deployment's reservation gone (a node that lost it) while its grain still says Placed.
        Assert.True((await partition.ReserveAsync(new PartitionReservation("team-a/ghost", 5 * GiB), ct)).Succeeded);
        Assert.True(await partition.ReleaseAsync("team-a/qwen", ct));

        var repaired = await WaitForReservationsAsync(cluster, placed, r => r.Any(x => x.Deployment == "team-a/qwen") && r.All(x => x.Deployment != "team-a/ghost"));
        Assert.Equal(["team-a/qwen"], repaired.Select(r => r.Deployment));
        var view = await cluster.WaitForModelAsync("team-a/qwen", v => v.Status == ModelStatus.Placed);
        var now = Assert.Single(view.Placements);
        var holder = await cluster.Partition(now.Node, now.Gpu, now.FirstPartition).GetAsync();
        Assert.Contains(holder.Reservations, r => r.Deployment == "team-a/qwen" && r.Bytes == now.ReservedBytes);
    }

    [Fact]
    public async Task A_placement_rebuilt_from_the_partitions_after_a_restart_keeps_every_binding_including_a_partial_KV_cache()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await HardwareCluster.StartAsync(FastReconciliation, ("node-a", "MI300X:1"));

        // Far more sequences than a GPU holds: the replica gets part of its KV cache, so --max-num-seqs is cut to fit.
        var large = Qwen7B with { MaxModelLen = 32768, MaxNumSeqs = 512 };
        await cluster.Model("team-a/partial").ApplyAsync(large, 1, ct);
        var before = Assert.Single((await cluster.WaitForModelAsync("team-a/partial", v => v.Status == ModelStatus.Placed)).Placements);
        Assert.False(before.FullKvCache);
        var seqs = Argument(before.Binding!, "--max-num-seqs");
        Assert.InRange(int.Parse(seqs, System.Globalization.CultureInfo.InvariantCulture), 2, 511);

        // The placement grain and the model grain start again (a control-silo restart): the engine is rebuilt from the
        // reservations, and the model asks where it stands on activation.
        await cluster.Cluster.DeactivateAsync(cluster.Client.GetGrain<IPlacementGrain>(Pools.Default));
        await cluster.Cluster.DeactivateAsync(cluster.Model("team-a/partial"));
        await cluster.Client.GetGrain<IPlacementGrain>(Pools.Default).FleetChangedAsync("node-a");
        await Task.Delay(TimeSpan.FromSeconds(2), ct); // two reconciliation rounds: each tells the deployment where it stands
        var after = Assert.Single((await cluster.Model("team-a/partial").GetAsync())!.Placements);

        Assert.Equal(ModelStatus.Placed, (await cluster.Model("team-a/partial").GetAsync())!.Status);
        Assert.Equal((before.Node, before.Gpu, before.FirstPartition, before.KvCacheBytes), (after.Node, after.Gpu, after.FirstPartition, after.KvCacheBytes));
        Assert.Equal(seqs, Argument(after.Binding!, "--max-num-seqs"));
        Assert.Equal(before.Binding!.VllmArguments, after.Binding!.VllmArguments);
        var reservation = Assert.Single((await cluster.Partition(after.Node, after.Gpu, after.FirstPartition).GetAsync()).Reservations);
        Assert.Equal((before.KvCacheBytes, false), (reservation.KvCacheBytes, reservation.FullKvCache));
    }

    [Fact]
    public async Task A_stored_Placed_claim_without_a_reservation_is_corrected_when_the_model_grain_activates()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await HardwareCluster.StartAsync(services => services.Configure<PlacementOptions>(o => o.ReconciliationInterval = TimeSpan.Zero), ("node-a", "MI300X:1"));
        await cluster.Model("team-a/qwen").ApplyAsync(Qwen7B, 1, ct);
        var placed = Assert.Single((await cluster.WaitForModelAsync("team-a/qwen", v => v.Status == ModelStatus.Placed)).Placements);

        // Reservation gone and the placement grain restarted (so it knows nothing of it); reconciliation is off: only the
        // model grain's check on activation can notice.
        await cluster.Partition(placed.Node, placed.Gpu, placed.FirstPartition).ReleaseAsync("team-a/qwen", ct);
        await cluster.Cluster.DeactivateAsync(cluster.Client.GetGrain<IPlacementGrain>(Pools.Default));
        await cluster.Cluster.DeactivateAsync(cluster.Model("team-a/qwen"));
        await cluster.Model("team-a/qwen").GetAsync();

        var reservations = await WaitForReservationsAsync(cluster, placed, r => r.Any(x => x.Deployment == "team-a/qwen"));
        var view = await cluster.WaitForModelAsync("team-a/qwen", v => v.Status == ModelStatus.Placed);
        var now = Assert.Single(view.Placements);
        Assert.Equal((placed.Node, placed.Gpu), (now.Node, now.Gpu));
        Assert.Contains(reservations, r => r.Deployment == "team-a/qwen");
    }

    private static void FastReconciliation(IServiceCollection services) =>
        services.Configure<PlacementOptions>(o => o.ReconciliationInterval = TimeSpan.FromMilliseconds(500));

    private static Task<IReadOnlyList<PartitionReservation>> WaitForReservationsAsync(HardwareCluster cluster, ReplicaPlacement placed, Func<IReadOnlyList<PartitionReservation>, bool> condition) =>
        Eventually.UntilAsync<IReadOnlyList<PartitionReservation>>(
            async ct => [.. (await cluster.Gpu(placed.Node, placed.Gpu).GetLiveAsync(ct)).Partitions.SelectMany(p => p.Reservations)],
            condition,
            TimeSpan.FromSeconds(20),
            last => $"reservations on {placed.Node}/{placed.Gpu}: {string.Join(", ", last?.Select(r => $"{r.Deployment}#{r.Replica}") ?? [])}",
            interval: TimeSpan.FromMilliseconds(100),
            cancellationToken: TestContext.Current.CancellationToken);

    private static string Argument(ReplicaBinding binding, string name) => binding.VllmArguments[binding.VllmArguments.ToList().IndexOf(name) + 1];
}

using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Partitions;
using GpuSharing.Grains.Interfaces.Slo;

namespace GpuSharing.Grains.Tests;

/// <summary>Model deployments through their grains on simulated GPUs: placed, waiting, preempted, deleted, applied twice.</summary>
public sealed class ModelLifecycleTests
{
    private static readonly DeploymentSpec Qwen7B = new("qwen2.5-7b", Precision.Bf16, 8192, 16, 1, Priority.Medium);
    private static readonly DeploymentSpec Qwen72B = new("qwen2.5-72b", Precision.Bf16, 4096, 4, 1, Priority.Medium);
    private static readonly DeploymentSpec Qwen32B = new("qwen2.5-32b", Precision.Bf16, 8192, 8, 1, Priority.Medium);

    [Fact]
    public async Task An_applied_deployment_is_placed_with_a_binding_and_a_tagged_reservation_on_its_partition()
    {
        await using var cluster = await HardwareCluster.StartAsync(("node-a", "MI300X:1"));

        var applied = await cluster.Model("team-a/qwen").ApplyAsync(Qwen7B, 1, TestContext.Current.CancellationToken);
        var view = await cluster.WaitForModelAsync("team-a/qwen", v => v.Status == ModelStatus.Placed);

        Assert.Equal(ApplyOutcome.Applied, applied.Outcome);
        var placement = Assert.Single(view.Placements);
        Assert.Equal(("node-a", 0, 1), (placement.Node, placement.Gpu, placement.Span));
        var binding = placement.Binding!;
        Assert.Equal(placement.FirstPartition.ToString(System.Globalization.CultureInfo.InvariantCulture), binding.Environment["HIP_VISIBLE_DEVICES"]);
        Assert.Equal("8192", Argument(binding, "--max-model-len"));
        Assert.Equal("16", Argument(binding, "--max-num-seqs"));
        var utilization = double.Parse(Argument(binding, "--gpu-memory-utilization"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(utilization, 0.01, (double)placement.ReservedBytes / placement.PartitionVramBytes);

        var partition = await cluster.Partition("node-a", 0, placement.FirstPartition).GetAsync();
        var reservation = Assert.Single(partition.Reservations);
        Assert.Equal(("team-a/qwen", placement.ReservedBytes, Priority.Medium, Isolation.Shared, 0), (reservation.Deployment, reservation.Bytes, reservation.Priority, reservation.Isolation, reservation.Replica));
        var sizing = view.Sizing!;
        Assert.Equal(sizing.WeightsBytes + placement.KvCacheBytes + sizing.ActivationBytes, placement.ReservedBytes);
        Assert.Equal((true, sizing.KvCacheTargetBytes), (placement.FullKvCache, placement.KvCacheBytes));
    }

    [Fact]
    public async Task A_deployment_a_controller_manages_takes_specs_and_deletion_from_that_controller_only()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await HardwareCluster.StartAsync(("node-a", "MI300X:1"));
        var model = cluster.Model("models/llama");
        var managed = Qwen7B with { ManagedBy = "kserve" };
        await model.ApplyAsync(managed, 1, ct);

        var fromRest = await model.ApplyAsync(Qwen7B with { MaxNumSeqs = 64 }, 0, ct);
        var deletedFromRest = await model.DeleteAsync(managedBy: null, ct);
        var kept = await model.GetAsync();
        var fromOwner = await model.ApplyAsync(managed with { MaxNumSeqs = 32 }, 2, ct);
        var deletedByOwner = await model.DeleteAsync("kserve", ct);
        var deletedAgain = await model.DeleteAsync("kserve", ct);

        Assert.Equal((ApplyOutcome.ManagedElsewhere, "kserve"), (fromRest.Outcome, fromRest.Error));
        Assert.Equal(DeleteOutcome.ManagedElsewhere, deletedFromRest);
        Assert.Equal((16, "kserve"), (kept!.Spec.MaxNumSeqs, kept.Spec.ManagedBy));
        Assert.Equal(ApplyOutcome.Applied, fromOwner.Outcome);
        Assert.Equal((DeleteOutcome.Deleted, DeleteOutcome.NotFound), (deletedByOwner, deletedAgain));
        Assert.Null(await model.GetAsync());
    }

    [Fact]
    public async Task Apply_is_idempotent_by_generation_and_an_older_generation_is_ignored()
    {
        await using var cluster = await HardwareCluster.StartAsync(("node-a", "MI300X:1"));
        var model = cluster.Model("team-a/qwen");
        await model.ApplyAsync(Qwen7B, 3, TestContext.Current.CancellationToken);
        var placed = await cluster.WaitForModelAsync("team-a/qwen", v => v.Status == ModelStatus.Placed);

        var again = await model.ApplyAsync(Qwen7B, 3, TestContext.Current.CancellationToken);
        var older = await model.ApplyAsync(Qwen7B with { MaxNumSeqs = 64 }, 2, TestContext.Current.CancellationToken);
        var after = await model.GetAsync();

        Assert.Equal(ApplyOutcome.Unchanged, again.Outcome);
        Assert.Equal(ApplyOutcome.Unchanged, older.Outcome);
        Assert.Contains("older", older.Error, StringComparison.Ordinal);
        Assert.Equal((3L, 16), (after!.Generation, after.Spec.MaxNumSeqs));
        Assert.Equal(Where(placed), Where(after));
        var reservations = await ReservationsAsync(cluster, "node-a", 0);
        Assert.Single(reservations, r => r.Deployment == "team-a/qwen");
    }

    [Fact]
    public async Task A_new_generation_moves_the_reservation_to_the_new_size_and_never_books_twice()
    {
        await using var cluster = await HardwareCluster.StartAsync(("node-a", "MI300X:1"));
        var model = cluster.Model("team-a/qwen");
        await model.ApplyAsync(Qwen7B, 1, TestContext.Current.CancellationToken);
        var before = await cluster.WaitForModelAsync("team-a/qwen", v => v.Status == ModelStatus.Placed);

        var changed = await model.ApplyAsync(Qwen7B with { MaxNumSeqs = 64 }, 2, TestContext.Current.CancellationToken);
        var after = await cluster.WaitForModelAsync("team-a/qwen", v => v.Status == ModelStatus.Placed && v.Generation == 2);

        Assert.Equal(ApplyOutcome.Applied, changed.Outcome);
        Assert.True(after.Sizing!.KvCacheTargetBytes > before.Sizing!.KvCacheTargetBytes);
        var reservations = await ReservationsAsync(cluster, "node-a", 0);
        var only = Assert.Single(reservations, r => r.Deployment == "team-a/qwen");
        Assert.Equal(after.Placements[0].ReservedBytes, only.Bytes);
    }

    [Fact]
    public async Task A_change_of_the_replica_count_alone_keeps_the_replicas_that_stay_where_they_are()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await HardwareCluster.StartAsync(("node-a", "MI300X:2"), ("node-b", "MI300X:2"));
        var model = cluster.Model("team-a/scaled");
        var spec = Qwen7B with { Isolation = Isolation.Exclusive };
        await model.ApplyAsync(spec, 1, ct);
        var one = await cluster.WaitForModelAsync("team-a/scaled", v => v.Status == ModelStatus.Placed && v.Placements.Count == 1);

        await model.ApplyAsync(spec with { Replicas = 3 }, 2, ct);
        var three = await cluster.WaitForModelAsync("team-a/scaled", v => v.Status == ModelStatus.Placed && v.Placements.Count == 3);
        await model.ApplyAsync(spec with { Replicas = 2 }, 3, ct);
        var two = await cluster.WaitForModelAsync("team-a/scaled", v => v.Status == ModelStatus.Placed && v.Generation == 3 && v.Placements.Count == 2);
        var held = new List<(string Node, int Gpu, int Replica)>();
        var reservations = new List<PartitionReservation>();
        foreach (var (node, gpu) in new[] { ("node-a", 0), ("node-a", 1), ("node-b", 0), ("node-b", 1) })
        {
            var mine = (await ReservationsAsync(cluster, node, gpu)).Where(r => r.Deployment == "team-a/scaled").ToList();
            held.AddRange(mine.Select(r => (node, gpu, r.Replica)));
            reservations.AddRange(mine);
        }

        // Replica 0 never moved and kept its binding; replica 1 stayed through the scale-down; replica 2 let go.
        Assert.Equal(Place(one.Placements[0]), Place(three.Placements[0]));
        Assert.Equal(Place(one.Placements[0]), Place(two.Placements[0]));
        Assert.Equal(Place(three.Placements[1]), Place(two.Placements[1]));
        Assert.Equal([0, 1], two.Placements.Select(p => p.Replica));
        Assert.Equal(two.Placements.Select(p => (p.Node, p.Gpu, p.Replica)).Order(), held.Order());

        // Kept and added replicas alike carry the spec they are held for now (a restart reads one spec, not leftovers).
        Assert.Single(reservations.Select(r => r.Revision).Distinct());
        Assert.All(reservations, r => Assert.Equal(2, r.Request!.Replicas));

        static (string, int, int, int, long, string) Place(ReplicaPlacement p) =>
            (p.Node, p.Gpu, p.FirstPartition, p.Span, p.ReservedBytes, string.Join(' ', p.Binding!.VllmArguments));
    }

    [Fact]
    public async Task A_high_priority_deployment_on_an_empty_GPU_waits_for_the_repartition_it_asked_for_then_is_placed_alone()
    {
        await using var cluster = await HardwareCluster.StartAsync(("node-a", "MI300X:1"));
        var llama = new DeploymentSpec("llama-3.1-8b", Precision.Bf16, 8192, 16, 1, Priority.High);

        var applied = await cluster.Model("team-a/llama").ApplyAsync(llama, 1, TestContext.Current.CancellationToken);
        var view = await cluster.WaitForModelAsync("team-a/llama", v => v.Status == ModelStatus.Placed);
        var gpu = await cluster.Gpu("node-a", 0).GetAsync();

        Assert.Equal(ModelStatus.Pending, applied.Model!.Status);
        var pending = Assert.Single(applied.Model.Pending);
        Assert.Equal(ComputeMode.QPX, pending.Target.ComputeMode);
        var placement = Assert.Single(view.Placements);
        Assert.Equal((ComputeMode.QPX, 1), (placement.ComputeMode, placement.Span));
        Assert.Equal(ComputeMode.QPX, gpu.ComputeMode);
        var reservation = Assert.Single(gpu.Partitions[placement.FirstPartition].Reservations);
        Assert.Equal(("team-a/llama", Isolation.Exclusive, Priority.High), (reservation.Deployment, reservation.Isolation, reservation.Priority));
        Assert.Empty(view.Pending);
    }

    [Fact]
    public async Task A_deployment_with_no_room_explains_why_per_GPU_and_is_placed_when_a_deletion_frees_the_room()
    {
        await using var cluster = await HardwareCluster.StartAsync(("node-a", "MI300X:1"));
        await cluster.Model("team-a/big").ApplyAsync(Qwen72B, 1, TestContext.Current.CancellationToken);
        await cluster.WaitForModelAsync("team-a/big", v => v.Status == ModelStatus.Placed);

        var waiting = await cluster.Model("team-b/mid").ApplyAsync(Qwen32B, 1, TestContext.Current.CancellationToken);
        var deleted = await cluster.Model("team-a/big").DeleteAsync(managedBy: null, TestContext.Current.CancellationToken);
        var placed = await cluster.WaitForModelAsync("team-b/mid", v => v.Status == ModelStatus.Placed, TimeSpan.FromSeconds(10));

        Assert.Equal(ModelStatus.Pending, waiting.Model!.Status);
        var explanation = waiting.Model.Explanation!;
        Assert.False(explanation.FitsNoGpu);
        Assert.Equal(1, explanation.GpusConsidered);
        var rejection = Assert.Single(explanation.Gpus);
        Assert.Equal(("node-a", 0), (rejection.Node, rejection.Gpu));
        Assert.Equal(1, explanation.Counts[rejection.Reason]);
        Assert.Contains(rejection.Reason, new[] { RejectionReason.Memory, RejectionReason.Priority });
        Assert.Equal(DeleteOutcome.Deleted, deleted);
        Assert.Null(await cluster.Model("team-a/big").GetAsync());
        Assert.DoesNotContain(await ReservationsAsync(cluster, "node-a", 0), r => r.Deployment == "team-a/big");
        Assert.Equal(0, Assert.Single(placed.Placements).Gpu);
        Assert.Null(placed.Explanation);
    }

    [Fact]
    public async Task High_preempts_low_which_waits_and_comes_back_when_high_is_deleted_but_low_never_preempts_high()
    {
        await using var cluster = await HardwareCluster.StartAsync(("node-a", "MI300X:1"));
        await cluster.Model("batch/low").ApplyAsync(Qwen72B with { Priority = Priority.Low }, 1, TestContext.Current.CancellationToken);
        await cluster.WaitForModelAsync("batch/low", v => v.Status == ModelStatus.Placed);

        await cluster.Model("prod/high").ApplyAsync(Qwen32B with { Priority = Priority.High }, 1, TestContext.Current.CancellationToken);
        var high = await cluster.WaitForModelAsync("prod/high", v => v.Status == ModelStatus.Placed);
        var low = await cluster.WaitForModelAsync("batch/low", v => v.Status == ModelStatus.Preempted);
        var reservations = await ReservationsAsync(cluster, "node-a", 0);

        Assert.Contains("prod/high", low.Message, StringComparison.Ordinal);
        Assert.Empty(low.Placements);
        Assert.Equal(["prod/high"], reservations.Select(r => r.Deployment).Distinct());
        Assert.Single(high.Placements);

        // A second low deployment does not take the high one's room.
        var other = await cluster.Model("batch/other").ApplyAsync(Qwen72B with { Priority = Priority.Low }, 1, TestContext.Current.CancellationToken);
        Assert.NotEqual(ModelStatus.Placed, other.Model!.Status);
        Assert.Equal(ModelStatus.Placed, (await cluster.Model("prod/high").GetAsync())!.Status);

        await cluster.Model("batch/other").DeleteAsync(managedBy: null, TestContext.Current.CancellationToken);
        await cluster.Model("prod/high").DeleteAsync(managedBy: null, TestContext.Current.CancellationToken);
        var back = await cluster.WaitForModelAsync("batch/low", v => v.Status == ModelStatus.Placed, TimeSpan.FromSeconds(30));
        Assert.Single(back.Placements);
    }

    [Fact]
    public async Task A_model_larger_than_any_GPU_fails_with_an_explanation_and_reserves_nothing()
    {
        await using var cluster = await HardwareCluster.StartAsync(("node-a", "MI300X:1"));
        var huge = new DeploymentSpec("qwen2.5-72b", Precision.Fp32, 8192, 16, 1, Priority.Medium);

        var result = await cluster.Model("team-a/huge").ApplyAsync(huge, 1, TestContext.Current.CancellationToken);

        Assert.Equal(ModelStatus.Failed, result.Model!.Status);
        Assert.True(result.Model.Explanation!.FitsNoGpu);
        Assert.Empty(await ReservationsAsync(cluster, "node-a", 0));
    }

    [Fact]
    public async Task Placed_and_waiting_deployments_and_their_SLO_ledgers_survive_a_restart_of_every_silo_on_Azurite_without_double_booking()
    {
        await using var azurite = await TestSupport.AzuriteServer.StartAsync(TestContext.Current.CancellationToken);
        var serviceId = $"lifecycle{Guid.NewGuid():N}"[..20];
        var devices = Directory.CreateTempSubdirectory("gpu-sharing-devices-");
        try
        {
            ModelView bigBefore;
            await using (var first = await HardwareCluster.StartAsync(TimeSpan.FromMilliseconds(20), azurite.ConnectionString, serviceId, devices.FullName, ("node-a", "MI300X:1", "Linux Baremetal")))
            {
                await first.Model("team-a/big").ApplyAsync(Qwen72B, 1, TestContext.Current.CancellationToken);
                bigBefore = await first.WaitForModelAsync("team-a/big", v => v.Status == ModelStatus.Placed);
                var waiting = await first.Model("team-b/mid").ApplyAsync(Qwen32B, 1, TestContext.Current.CancellationToken);
                Assert.Equal(ModelStatus.Pending, waiting.Model!.Status);
                var now = DateTimeOffset.UtcNow;
                await first.Client.GetGrain<ISloGrain>("team-a/big").RecordAsync(
                    [.. Enumerable.Range(0, 10).Select(i => new SloSample(now, 100, 20, 400, Served: i >= 2))], TestContext.Current.CancellationToken);
            }

            await using var second = await HardwareCluster.StartAsync(TimeSpan.FromMilliseconds(20), azurite.ConnectionString, serviceId, devices.FullName, ("node-a", "MI300X:1", "Linux Baremetal"));
            var bigAfter = await second.Model("team-a/big").GetAsync();
            var midAfter = await second.Model("team-b/mid").GetAsync();
            var reservations = await ReservationsAsync(second, "node-a", 0);
            var slo = await second.Client.GetGrain<ISloGrain>("team-a/big").GetAsync(TestContext.Current.CancellationToken);

            Assert.Equal((ModelStatus.Placed, 1L), (bigAfter!.Status, bigAfter.Generation));
            Assert.Equal(Where(bigBefore), Where(bigAfter));
            Assert.Equal(ModelStatus.Pending, midAfter!.Status);
            Assert.Equal((10L, 8L), (slo.Windows[^1].Requests, slo.Windows[^1].Good)); // the SLO ledger was written and read back
            Assert.Single(reservations, r => r.Deployment == "team-a/big");
            Assert.DoesNotContain(reservations, r => r.Deployment == "team-b/mid");

            // The restarted placement grain knows the waiting deployment again: deleting the big one lets it in.
            Assert.Equal(DeleteOutcome.Deleted, await second.Model("team-a/big").DeleteAsync(managedBy: null, TestContext.Current.CancellationToken));
            var mid = await second.WaitForModelAsync("team-b/mid", v => v.Status == ModelStatus.Placed, TimeSpan.FromSeconds(10));
            Assert.Equal(["team-b/mid"], (await ReservationsAsync(second, "node-a", 0)).Select(r => r.Deployment).Distinct());
            Assert.Single(mid.Placements);
        }
        finally
        {
            devices.Delete(recursive: true);
        }
    }

    private static List<(string Node, int Gpu, int FirstPartition, int Span, long ReservedBytes, string Arguments)> Where(ModelView view) =>
        [.. view.Placements.Select(p => (p.Node, p.Gpu, p.FirstPartition, p.Span, p.ReservedBytes, string.Join(' ', p.Binding!.VllmArguments)))];

    private static string Argument(ReplicaBinding binding, string name)
    {
        var index = binding.VllmArguments.ToList().IndexOf(name);
        Assert.True(index >= 0, $"{name} is missing from: {string.Join(' ', binding.VllmArguments)}");
        return binding.VllmArguments[index + 1];
    }

    // From the partition grains, which hold the reservations: the GPU's view of them follows by one-way reports.
    private static async Task<List<PartitionReservation>> ReservationsAsync(HardwareCluster cluster, string node, int gpu)
    {
        var view = await cluster.Gpu(node, gpu).GetAsync();
        var partitions = await Task.WhenAll(view.Partitions.Select(p => cluster.Partition(node, gpu, p.Index).GetAsync()));
        return [.. partitions.SelectMany(p => p.Reservations)];
    }
}

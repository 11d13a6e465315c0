using GpuSharing.Grains.Interfaces.Gpus;
using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Interfaces.Partitions;

namespace GpuSharing.Grains.Tests;

public sealed class ResilienceTests
{
    private const long GiB = 1L << 30;

    [Fact]
    public async Task A_partition_refuses_any_reservation_that_would_over_commit_it()
    {
        await using var cluster = await HardwareCluster.StartAsync(("node-a", "MI300X:1"));
        var change = await cluster.RequestAsync("node-a", 0, ComputeMode.CPX);
        await cluster.WaitForOperationAsync("node-a", 0, change.Operation!.Id);
        var partition = cluster.Partition("node-a", 0, 2);

        var first = await partition.ReserveAsync(new PartitionReservation("ns/a", 20 * GiB), TestContext.Current.CancellationToken);
        var tooMuch = await partition.ReserveAsync(new PartitionReservation("ns/b", 5 * GiB), TestContext.Current.CancellationToken);
        var resized = await partition.ReserveAsync(new PartitionReservation("ns/a", 24 * GiB), TestContext.Current.CancellationToken);
        var invalid = await partition.ReserveAsync(new PartitionReservation("ns/c", -1), TestContext.Current.CancellationToken);
        var missing = await cluster.Partition("node-a", 0, 8).ReserveAsync(new PartitionReservation("ns/d", GiB), TestContext.Current.CancellationToken);

        Assert.True(first.Succeeded);
        Assert.Equal((ReservationOutcome.InsufficientMemory, 20 * GiB, 4 * GiB), (tooMuch.Outcome, tooMuch.ReservedBytes, tooMuch.FreeBytes));
        Assert.Equal((ReservationOutcome.Reserved, 24 * GiB), (resized.Outcome, resized.ReservedBytes));
        Assert.Equal(ReservationOutcome.InvalidRequest, invalid.Outcome);
        Assert.Equal(ReservationOutcome.NotConfigured, missing.Outcome);
        var gpu = await cluster.WaitAsync("node-a", v => v.Gpus[0].Partitions[2].ReservedBytes == 24 * GiB);
        Assert.Equal(["ns/a"], gpu.Gpus[0].Partitions[2].Reservations.Select(r => r.Deployment));
        Assert.True(await partition.ReleaseAsync("ns/a", TestContext.Current.CancellationToken));
        Assert.False(await partition.ReleaseAsync("ns/a", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task GPU_state_survives_deactivation()
    {
        await using var cluster = await HardwareCluster.StartAsync(("node-a", "MI300X:1"));
        var change = await cluster.RequestAsync("node-a", 0, ComputeMode.QPX);
        await cluster.WaitForOperationAsync("node-a", 0, change.Operation!.Id);

        await cluster.Cluster.DeactivateAsync(cluster.Gpu("node-a", 0));
        var reloaded = await cluster.Gpu("node-a", 0).GetAsync();

        Assert.Equal((ComputeMode.QPX, GpuState.Ready, 4), (reloaded.ComputeMode!.Value, reloaded.State, reloaded.Partitions.Count));
        Assert.Equal((change.Operation.Id, OperationStatus.Succeeded), (reloaded.Operation!.Id, reloaded.Operation.Status));
    }

    [Fact]
    public async Task An_out_of_band_change_under_reservations_degrades_the_GPU_and_keeps_them()
    {
        await using var cluster = await HardwareCluster.StartAsync(("node-a", "MI300X:2"));
        await cluster.Partition("node-a", 0, 0).ReserveAsync(new PartitionReservation("ns/held", 10 * GiB), TestContext.Current.CancellationToken);

        // Someone runs amd-smi by hand; the agent's next attach finds the GPUs changed.
        await cluster.Device("node-a").SetComputeModeAsync(0, ComputeMode.DPX, TestContext.Current.CancellationToken);
        await cluster.Device("node-a").SetComputeModeAsync(1, ComputeMode.DPX, TestContext.Current.CancellationToken);
        var device = await cluster.Device("node-a").ReadNodeAsync(TestContext.Current.CancellationToken);
        var held = await cluster.Gpu("node-a", 0).AttachAsync(device.Gpus[0], TestContext.Current.CancellationToken);
        var free = await cluster.Gpu("node-a", 1).AttachAsync(device.Gpus[1], TestContext.Current.CancellationToken);

        Assert.Equal(GpuState.Degraded, held.State);
        Assert.Contains("outside the control plane", held.StateReason, StringComparison.Ordinal);
        Assert.Equal(10 * GiB, (await cluster.Partition("node-a", 0, 0).GetAsync()).ReservedBytes);
        Assert.Equal((GpuState.Ready, ComputeMode.DPX, 2), (free.State, free.ComputeMode!.Value, free.Partitions.Count));
    }

    [Fact]
    public async Task When_a_node_silo_stops_its_GPUs_are_Unreachable_with_their_reservations_and_the_other_node_is_unaffected()
    {
        await using var azurite = await AzuriteServer.StartAsync(TestContext.Current.CancellationToken);
        await using var cluster = await HardwareCluster.StartAsync(TimeSpan.FromMilliseconds(20), azurite.ConnectionString, ("node-a", "MI300X:1", "Linux Baremetal"), ("node-b", "MI300X:1", "Linux Baremetal"));
        await cluster.Partition("node-b", 0, 0).ReserveAsync(new PartitionReservation("ns/keep", 12 * GiB), TestContext.Current.CancellationToken);
        await cluster.WaitAsync("node-b", v => v.Gpus[0].ReservedBytes == 12 * GiB);

        await cluster.Cluster.StopSiloAsync(cluster.SiloOf("node-b"), TestContext.Current.CancellationToken);
        var b = await cluster.WaitAsync("node-b", v => !v.Reachable);
        var a = await cluster.Node("node-a").GetAsync();
        var request = await cluster.RequestAsync("node-b", 0, ComputeMode.CPX);

        var gpu = Assert.Single(b.Gpus);
        Assert.Equal(GpuState.Unreachable, gpu.State);
        Assert.Equal(12 * GiB, gpu.ReservedBytes);
        Assert.Equal(ComputeMode.SPX, gpu.ComputeMode);
        Assert.Equal(PartitioningOutcome.Unreachable, request.Outcome);
        Assert.True(a.Reachable);
        Assert.Equal(GpuState.Ready, a.Gpus[0].State);
    }

    [Fact]
    public async Task A_nodes_view_of_its_reservations_reaches_storage_within_the_write_behind_interval_and_outlives_a_killed_silo()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var azurite = await AzuriteServer.StartAsync(ct);
        await using var cluster = await HardwareCluster.StartAsync(TimeSpan.FromMilliseconds(20), azurite.ConnectionString, ("node-a", "MI300X:1", "Linux Baremetal"));

        // A reservation changes only reservations: the node writes its view behind, not at once.
        await cluster.Partition("node-a", 0, 0).ReserveAsync(new PartitionReservation("ns/written-behind", 12 * GiB), ct);
        await cluster.WaitAsync("node-a", v => v.Gpus[0].ReservedBytes == 12 * GiB);
        var stored = await StoredNodeStateAsync(azurite.ConnectionString, "node-a", s => s.Contains("ns/written-behind", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        await cluster.Cluster.KillSiloAsync(cluster.SiloOf("node-a"), ct);

        Assert.Contains("ns/written-behind", stored, StringComparison.Ordinal);
        Assert.Contains("ns/written-behind", await StoredNodeStateAsync(azurite.ConnectionString, "node-a", _ => true, TimeSpan.Zero), StringComparison.Ordinal);
    }

    // The node grain's state as Azure Table storage holds it (the JSON in its row), polled until it satisfies the condition.
    private static Task<string> StoredNodeStateAsync(string connection, string node, Func<string, bool> condition, TimeSpan timeout)
    {
        var table = new Azure.Data.Tables.TableServiceClient(connection).GetTableClient("OrleansGrainState");
        return Eventually.UntilAsync(
            ct => StoredRowAsync(table, node, ct),
            condition,
            timeout,
            last => $"node {node}'s stored state: {last}",
            interval: TimeSpan.FromMilliseconds(200),
            cancellationToken: TestContext.Current.CancellationToken);
    }

    private static async Task<string> StoredRowAsync(Azure.Data.Tables.TableClient table, string node, CancellationToken cancellationToken)
    {
        // Orleans' Azure Table storage keeps a grain's state in the row {service}_{grain type}_{key}, its JSON in Data.
        await foreach (var row in table.QueryAsync<Azure.Data.Tables.TableEntity>(e => e.RowKey == "node", cancellationToken: cancellationToken))
        {
            if (row.PartitionKey.EndsWith($"_node_{node}", StringComparison.Ordinal))
            {
                return row["Data"] switch
                {
                    byte[] bytes => System.Text.Encoding.UTF8.GetString(bytes),
                    BinaryData data => data.ToString(),
                    var other => other?.ToString() ?? string.Empty,
                };
            }
        }

        return string.Empty;
    }
}

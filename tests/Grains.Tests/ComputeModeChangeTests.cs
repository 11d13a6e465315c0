using GpuSharing.Grains.Hardware.Simulation;
using GpuSharing.Grains.Interfaces.Gpus;
using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Interfaces.Partitions;

namespace GpuSharing.Grains.Tests;

/// <summary>
/// Compute-mode changes through the node and GPU grains. The first tests share one cluster, each on a GPU of its own
/// (GPU 0: refusals that change nothing; 1: SPX → CPX; 2: a reservation; 3: a process; 4: a rollback; 5: a timeout);
/// the rest need a cluster of their own.
/// </summary>
public sealed class ComputeModeChangeTests(SharedNodesFixture shared) : IClassFixture<SharedNodesFixture>
{
    private const long GiB = 1L << 30;

    [Fact]
    public async Task Each_GPU_grain_runs_on_the_silo_of_its_node_and_reads_that_nodes_device()
    {
        var cluster = shared.Cluster;

        var a = await cluster.Node("node-a").GetAsync();
        var b = await cluster.Node("node-b").GetAsync();

        Assert.Equal(Enumerable.Repeat("MI300X", 8), a.Gpus.Select(g => g.Model));
        Assert.Equal("MI355X", Assert.Single(b.Gpus).Model);
        Assert.True(a.Reachable && b.Reachable);
        Assert.Equal((288 * GiB, 256), (b.Gpus[0].VramBytes, b.Gpus[0].ComputeUnits));
        Assert.Equal("simulated", a.Registration?.Backend);
    }

    [Fact]
    public async Task SPX_to_CPX_runs_the_state_machine_and_verifies_eight_24_GiB_partitions()
    {
        var cluster = shared.Cluster;

        var decision = await cluster.RequestAsync("node-a", 1, ComputeMode.CPX);
        var gpu = await cluster.WaitForOperationAsync("node-a", 1, decision.Operation!.Id);

        Assert.Equal(PartitioningOutcome.Accepted, decision.Outcome);
        Assert.Equal(OperationScope.Gpu, decision.Operation.Scope);
        Assert.Equal((ComputeMode.CPX, MemoryMode.NPS1, GpuState.Ready), (gpu.ComputeMode!.Value, gpu.MemoryMode!.Value, gpu.State));
        Assert.Equal(OperationStatus.Succeeded, gpu.Operation!.Status);
        Assert.Equal([GpuState.Draining, GpuState.SettingCompute, GpuState.Verifying, GpuState.Ready], gpu.Operation.Steps.Select(s => s.State));
        Assert.Equal(8, gpu.Partitions.Count);
        Assert.All(gpu.Partitions, p => Assert.Equal((24 * GiB, 38, true), (p.VramBytes, p.ComputeUnits, p.AcceptsReservations)));
        Assert.Equal("amd.com/cpx_nps1", gpu.Partitions[3].Binding!.ResourceName);
        Assert.Equal(ComputeMode.SPX, (await cluster.Node("node-a").GetGpuAsync(0))!.ComputeMode);
    }

    [Fact]
    public async Task An_invalid_combination_is_refused_with_the_devices_reason()
    {
        var cluster = shared.Cluster;

        var spxNps4 = await cluster.RequestAsync("node-a", 0, ComputeMode.SPX, MemoryMode.NPS4);
        var qpxNps1 = await cluster.RequestAsync("node-b", 0, ComputeMode.QPX, MemoryMode.NPS1);
        var nps4 = await cluster.RequestAsync("node-b", 0, ComputeMode.CPX, MemoryMode.NPS4);
        var tpx = await cluster.RequestAsync("node-a", 0, ComputeMode.TPX);

        Assert.Equal((PartitioningOutcome.InvalidCombination, CapabilitySource.Device), (spxNps4.Outcome, spxNps4.ReasonSource!.Value));
        Assert.Equal("The device's SPX (#0) profile works only with NPS1, not with NPS4.", spxNps4.Reason);
        Assert.Equal("The device's QPX (#2) profile works only with NPS2, not with NPS1.", qpxNps1.Reason);
        Assert.Equal("The device does not support memory mode NPS4; its memory partition caps are NPS1, NPS2.", nps4.Reason);
        Assert.StartsWith("The device offers no TPX profile", tpx.Reason, StringComparison.Ordinal);
        Assert.Null(spxNps4.Operation);
        Assert.Equal(ComputeMode.SPX, (await cluster.Node("node-a").GetGpuAsync(0))!.ComputeMode);
    }

    [Fact]
    public async Task A_GPU_with_reservations_is_not_repartitioned_and_stays_open_for_reservations()
    {
        var cluster = shared.Cluster;
        var reserved = await cluster.Partition("node-a", 2, 0).ReserveAsync(new PartitionReservation("team-a/llama", 40 * GiB), TestContext.Current.CancellationToken);

        var decision = await cluster.RequestAsync("node-a", 2, ComputeMode.CPX);

        Assert.True(reserved.Succeeded);
        Assert.Equal(PartitioningOutcome.Busy, decision.Outcome);
        Assert.Equal(new Blocker(BlockerKind.Reservation, $"GPU 2 partition 0: team-a/llama ({40 * GiB} bytes)"), Assert.Single(decision.Blockers));
        var partition = await cluster.Partition("node-a", 2, 0).GetAsync();
        Assert.True(partition.AcceptsReservations);
        Assert.Equal(40 * GiB, partition.ReservedBytes);
        Assert.Equal(ComputeMode.SPX, (await cluster.Node("node-a").GetGpuAsync(2))!.ComputeMode);
    }

    [Fact]
    public async Task A_process_on_the_GPU_blocks_the_change_with_its_pid()
    {
        var cluster = shared.Cluster;
        cluster.Device("node-a").StartProcess(3, 4242, "vllm", 10 * GiB);

        var decision = await cluster.RequestAsync("node-a", 3, ComputeMode.DPX);

        Assert.Equal(PartitioningOutcome.Busy, decision.Outcome);
        Assert.Equal(new Blocker(BlockerKind.Process, "GPU 3: process 4242 (vllm)"), Assert.Single(decision.Blockers));
    }

    [Fact]
    public async Task A_failed_set_rolls_back_to_the_previous_verified_mode()
    {
        var cluster = shared.Cluster;
        cluster.Device("node-a").Faults.Inject(new SimulatedFault(SimulatedOperation.SetCompute, DeviceErrorKind.Busy, GpuIndex: 4));

        var decision = await cluster.RequestAsync("node-a", 4, ComputeMode.QPX);
        var gpu = await cluster.WaitForOperationAsync("node-a", 4, decision.Operation!.Id);

        Assert.Equal((GpuState.Ready, ComputeMode.SPX), (gpu.State, gpu.ComputeMode!.Value));
        Assert.Equal(OperationStatus.RolledBack, gpu.Operation!.Status);
        Assert.Equal(DeviceErrorKind.Busy, gpu.Operation.Error!.Kind);
        Assert.Equal([GpuState.Draining, GpuState.SettingCompute, GpuState.Failed, GpuState.RollingBack, GpuState.Verifying, GpuState.Ready], gpu.Operation.Steps.Select(s => s.State));
        Assert.True(Assert.Single(gpu.Partitions).AcceptsReservations);
    }

    [Fact]
    public async Task A_timeout_leaves_the_GPU_Degraded_and_closed_until_a_new_request_verifies_it()
    {
        var cluster = shared.Cluster;
        cluster.Device("node-a").Faults.Inject(new SimulatedFault(SimulatedOperation.SetCompute, DeviceErrorKind.Timeout, ApplyFirst: true, GpuIndex: 5));

        var decision = await cluster.RequestAsync("node-a", 5, ComputeMode.DPX);
        var degraded = await cluster.WaitForOperationAsync("node-a", 5, decision.Operation!.Id);
        var refused = await cluster.Partition("node-a", 5, 0).ReserveAsync(new PartitionReservation("team-a/x", GiB), TestContext.Current.CancellationToken);

        Assert.Equal(GpuState.Degraded, degraded.State);
        Assert.Equal((OperationStatus.Degraded, DeviceErrorKind.Timeout), (degraded.Operation!.Status, degraded.Operation.Error!.Kind));
        Assert.DoesNotContain(degraded.Operation.Steps, s => s.State == GpuState.Ready);
        Assert.Equal(ReservationOutcome.Frozen, refused.Outcome);

        var retry = await cluster.RequestAsync("node-a", 5, ComputeMode.DPX);
        var recovered = await cluster.WaitForOperationAsync("node-a", 5, retry.Operation!.Id);
        Assert.Equal((GpuState.Ready, ComputeMode.DPX, OperationStatus.Succeeded), (recovered.State, recovered.ComputeMode!.Value, recovered.Operation!.Status));
        Assert.Equal(2, recovered.Partitions.Count);
        Assert.True((await cluster.Partition("node-a", 5, 1).ReserveAsync(new PartitionReservation("team-a/x", GiB), TestContext.Current.CancellationToken)).Succeeded);
    }

    [Fact]
    public async Task A_failed_rollback_leaves_the_GPU_Degraded()
    {
        await using var cluster = await HardwareCluster.StartAsync(("node-a", "MI300X:1"));
        cluster.Device("node-a").Faults.Inject(new SimulatedFault(SimulatedOperation.SetCompute, DeviceErrorKind.Busy));
        cluster.Device("node-a").Faults.Inject(new SimulatedFault(SimulatedOperation.Read, DeviceErrorKind.DriverNotLoaded));

        var decision = await cluster.RequestAsync("node-a", 0, ComputeMode.CPX);
        var gpu = await cluster.WaitForOperationAsync("node-a", 0, decision.Operation!.Id);

        Assert.Equal((GpuState.Degraded, OperationStatus.Degraded), (gpu.State, gpu.Operation!.Status));
        Assert.Contains("Rollback failed too", gpu.Operation.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_request_while_one_runs_is_refused()
    {
        // Device steps of 1.5 s: the operation is certainly still running when the next calls arrive, even on a busy machine.
        await using var cluster = await HardwareCluster.StartAsync(TimeSpan.FromMilliseconds(1500), null, ("node-a", "MI300X:1", "Linux Baremetal"));

        var first = await cluster.RequestAsync("node-a", 0, ComputeMode.CPX);
        var duringDrain = await cluster.Partition("node-a", 0, 0).ReserveAsync(new PartitionReservation("team-a/x", GiB), TestContext.Current.CancellationToken);
        var second = await cluster.RequestAsync("node-a", 0, ComputeMode.QPX);
        await cluster.WaitForOperationAsync("node-a", 0, first.Operation!.Id);

        Assert.Equal(PartitioningOutcome.Accepted, first.Outcome);
        Assert.Equal(PartitioningOutcome.Busy, second.Outcome);
        Assert.Contains(first.Operation.Id, second.Reason, StringComparison.Ordinal);
        Assert.Equal(ReservationOutcome.Frozen, duringDrain.Outcome);
    }

    [Fact]
    public async Task A_guest_node_cannot_be_partitioned()
    {
        await using var cluster = await HardwareCluster.StartAsync(("node-vm", "MI300X:1", "Linux Guest"));

        var decision = await cluster.RequestAsync("node-vm", 0, ComputeMode.CPX);

        Assert.Equal(PartitioningOutcome.Unsupported, decision.Outcome);
        Assert.Contains("SR-IOV guest", decision.Reason, StringComparison.Ordinal);
    }
}

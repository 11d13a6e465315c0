using GpuSharing.Grains.Hardware.Simulation;
using GpuSharing.Grains.Interfaces.Gpus;
using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Interfaces.Partitions;

namespace GpuSharing.Grains.Tests;

public sealed class MemoryModeChangeTests
{
    private const long GiB = 1L << 30;

    [Fact]
    public async Task A_memory_mode_change_moves_every_GPU_of_the_node_and_reloads_the_driver_once()
    {
        await using var cluster = await HardwareCluster.StartAsync(("node-a", "MI300X:2"));

        var decision = await cluster.RequestAsync("node-a", 0, ComputeMode.CPX, MemoryMode.NPS4);
        var node = await cluster.WaitAsync("node-a", v => v.Operation is { IsRunning: false });

        Assert.Equal((PartitioningOutcome.Accepted, OperationScope.Node), (decision.Outcome, decision.Operation!.Scope));
        Assert.Equal([0, 1], decision.Operation.Gpus);
        Assert.Equal(OperationStatus.Succeeded, node.Operation!.Status);
        Assert.Equal(MemoryMode.NPS4, node.MemoryMode);
        Assert.All(node.Gpus, g => Assert.Equal((ComputeMode.CPX, MemoryMode.NPS4, GpuState.Ready, 8), (g.ComputeMode!.Value, g.MemoryMode!.Value, g.State, g.Partitions.Count)));
        Assert.All(node.Gpus, g => Assert.Equal(OperationStatus.Succeeded, g.Operation!.Status));
        var steps = node.Gpus[0].Operation!.Steps.Select(s => s.State).ToList();
        Assert.Equal(GpuState.Draining, steps[0]);
        Assert.True(steps.IndexOf(GpuState.SettingMemory) < steps.IndexOf(GpuState.ReloadingDriver));
        Assert.True(steps.IndexOf(GpuState.ReloadingDriver) < steps.LastIndexOf(GpuState.Verifying));
        Assert.Equal(GpuState.Ready, steps[^1]);
    }

    [Fact]
    public async Task The_other_GPUs_keep_their_compute_mode_when_it_stays_valid()
    {
        await using var cluster = await HardwareCluster.StartAsync(("node-a", "MI300X:2"));
        var dpx = await cluster.RequestAsync("node-a", 1, ComputeMode.DPX);
        await cluster.WaitForOperationAsync("node-a", 1, dpx.Operation!.Id);

        await cluster.RequestAsync("node-a", 0, ComputeMode.DPX, MemoryMode.NPS2);
        var node = await cluster.WaitAsync("node-a", v => v.Operation is { IsRunning: false });

        Assert.Equal(OperationStatus.Succeeded, node.Operation!.Status);
        Assert.All(node.Gpus, g => Assert.Equal((ComputeMode.DPX, MemoryMode.NPS2), (g.ComputeMode!.Value, g.MemoryMode!.Value)));
    }

    [Fact]
    public async Task Reservations_on_any_GPU_of_the_node_block_a_memory_mode_change_and_nothing_stays_frozen()
    {
        await using var cluster = await HardwareCluster.StartAsync(("node-a", "MI300X:2"));
        await cluster.Partition("node-a", 1, 0).ReserveAsync(new PartitionReservation("team-b/qwen", 30 * GiB), TestContext.Current.CancellationToken);

        var decision = await cluster.RequestAsync("node-a", 0, ComputeMode.CPX, MemoryMode.NPS4);

        Assert.Equal(PartitioningOutcome.Busy, decision.Outcome);
        Assert.Equal(new Blocker(BlockerKind.Reservation, $"GPU 1 partition 0: team-b/qwen ({30 * GiB} bytes)"), Assert.Single(decision.Blockers));
        Assert.True((await cluster.Partition("node-a", 0, 0).GetAsync()).AcceptsReservations);
        Assert.True((await cluster.Partition("node-a", 1, 0).GetAsync()).AcceptsReservations);
        var node = await cluster.Node("node-a").GetAsync();
        Assert.All(node.Gpus, g => Assert.Equal((GpuState.Ready, MemoryMode.NPS1), (g.State, g.MemoryMode!.Value)));
    }

    [Fact]
    public async Task A_memory_mode_change_without_permission_changes_nothing_ends_Failed_with_the_error_and_leaves_every_GPU_Ready()
    {
        await using var cluster = await HardwareCluster.StartAsync(("node-a", "MI300X:2"));
        cluster.Device("node-a").Faults.Inject(new SimulatedFault(SimulatedOperation.SetMemory, DeviceErrorKind.NoPermission, Times: 10));

        await cluster.RequestAsync("node-a", 0, ComputeMode.CPX, MemoryMode.NPS4);
        var node = await cluster.WaitAsync("node-a", v => v.Operation is { IsRunning: false } && v.Gpus.All(g => g.Operation is { IsRunning: false }));
        var answer = await cluster.Node("node-a").GetOperationAsync(1);

        Assert.Equal((OperationStatus.Failed, DeviceErrorKind.NoPermission), (node.Operation!.Status, node.Operation.Error!.Kind));
        Assert.Equal((OperationStatus.Failed, DeviceErrorKind.NoPermission), (answer!.Status, answer.Error!.Kind));
        Assert.All(node.Gpus, g => Assert.Equal((GpuState.Ready, ComputeMode.SPX, MemoryMode.NPS1), (g.State, g.ComputeMode!.Value, g.MemoryMode!.Value)));
        Assert.All(node.Gpus, g => Assert.Equal(OperationStatus.Failed, g.Operation!.Status));
        Assert.True((await cluster.Partition("node-a", 0, 0).GetAsync()).AcceptsReservations);
        Assert.Equal(MemoryMode.NPS1, (await cluster.Device("node-a").ReadNodeAsync(TestContext.Current.CancellationToken)).MemoryMode);
    }

    [Fact]
    public async Task A_BUSY_failure_after_the_reload_rolls_every_GPU_back_to_its_previous_verified_layout()
    {
        await using var cluster = await HardwareCluster.StartAsync(("node-a", "MI300X:2"));
        cluster.Device("node-a").Faults.Inject(new SimulatedFault(SimulatedOperation.SetCompute, DeviceErrorKind.Busy, GpuIndex: 0));

        // After NPS4 the driver puts GPU 0 in CPX; setting QPX then fails with BUSY.
        await cluster.RequestAsync("node-a", 0, ComputeMode.QPX, MemoryMode.NPS4);
        var node = await cluster.WaitAsync("node-a", v => v.Operation is { IsRunning: false });

        Assert.Equal(OperationStatus.RolledBack, node.Operation!.Status);
        Assert.Equal((DeviceErrorKind.Busy, (int?)30), (node.Operation.Error!.Kind, node.Operation.Error.StatusCode));
        Assert.Equal(MemoryMode.NPS1, node.MemoryMode);
        Assert.All(node.Gpus, g => Assert.Equal((ComputeMode.SPX, MemoryMode.NPS1, GpuState.Ready, 1), (g.ComputeMode!.Value, g.MemoryMode!.Value, g.State, g.Partitions.Count)));
        Assert.All(node.Gpus, g => Assert.Equal(OperationStatus.RolledBack, g.Operation!.Status));
        Assert.Contains(node.Gpus[0].Operation!.Steps, s => s.State == GpuState.RollingBack);
        var device = await cluster.Device("node-a").ReadNodeAsync(TestContext.Current.CancellationToken);
        Assert.Equal(MemoryMode.NPS1, device.MemoryMode);
        Assert.All(device.Gpus, g => Assert.Equal(ComputeMode.SPX, g.ComputeMode));
    }

    [Fact]
    public async Task A_reload_timeout_leaves_every_GPU_of_the_node_Degraded_never_Ready()
    {
        await using var cluster = await HardwareCluster.StartAsync(("node-a", "MI300X:2"));
        cluster.Device("node-a").Faults.Inject(new SimulatedFault(SimulatedOperation.Reload, DeviceErrorKind.Timeout));

        await cluster.RequestAsync("node-a", 0, ComputeMode.CPX, MemoryMode.NPS4);
        var node = await cluster.WaitAsync("node-a", v => v.Operation is { IsRunning: false } && v.Gpus.All(g => g.Operation is { IsRunning: false }));

        Assert.Equal((OperationStatus.Degraded, DeviceErrorKind.Timeout), (node.Operation!.Status, node.Operation.Error!.Kind));
        Assert.All(node.Gpus, g => Assert.Equal((GpuState.Degraded, OperationStatus.Degraded), (g.State, g.Operation!.Status)));
    }

    [Fact]
    public async Task A_memory_mode_one_GPU_of_the_node_lacks_is_refused()
    {
        await using var cluster = await HardwareCluster.StartAsync(("node-mixed", "MI300X:1,MI355X:1"));

        var decision = await cluster.RequestAsync("node-mixed", 0, ComputeMode.CPX, MemoryMode.NPS4);

        Assert.Equal(PartitioningOutcome.InvalidCombination, decision.Outcome);
        Assert.Contains("GPU 1 (MI355X)", decision.Reason, StringComparison.Ordinal);
    }
}

using GpuSharing.Grains.Hardware.Simulation;
using GpuSharing.Grains.Interfaces.Gpus;
using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Tests;

/// <summary>What the progress URL of a repartitioning (<c>GET …/partitioning</c>) reads: the node's answer for a GPU.</summary>
public sealed class OperationProgressTests
{
    [Fact]
    public async Task A_GPU_verified_early_reports_the_node_wide_operation_running_until_every_GPU_is_verified()
    {
        // Device steps take 300 ms. GPU 1 asks for QPX under NPS4: GPU 0 is moved to CPX by the driver and verified
        // with no set of its own; GPU 1 then still has to be set to QPX — a window where GPU 0 is done and the node is not.
        await using var cluster = await HardwareCluster.StartAsync(TimeSpan.FromMilliseconds(300), null, ("node-a", "MI300X:2", "Linux Baremetal"));

        var decision = await cluster.RequestAsync("node-a", 1, ComputeMode.QPX, MemoryMode.NPS4);
        var midway = await cluster.WaitAsync("node-a", v => v.Gpus[0].Operation is { Status: OperationStatus.Succeeded } && v.Operation is { IsRunning: true });
        var answer = await cluster.Node("node-a").GetOperationAsync(0);

        Assert.Equal(PartitioningOutcome.Accepted, decision.Outcome);
        Assert.Equal(decision.Operation!.Id, midway.Gpus[0].Operation!.Id);
        Assert.Equal((decision.Operation.Id, OperationStatus.Running, OperationScope.Node), (answer!.Id, answer.Status, answer.Scope));

        await cluster.WaitAsync("node-a", v => v.Operation is { IsRunning: false });
        var done = await cluster.Node("node-a").GetOperationAsync(0);
        Assert.Equal(OperationStatus.Succeeded, done!.Status);
    }

    [Fact]
    public async Task A_rolled_back_node_wide_operation_carries_its_error_at_the_top_level_for_every_GPU()
    {
        await using var cluster = await HardwareCluster.StartAsync(("node-a", "MI300X:2"));
        cluster.Device("node-a").Faults.Inject(new SimulatedFault(SimulatedOperation.SetCompute, DeviceErrorKind.Busy, GpuIndex: 1));

        await cluster.RequestAsync("node-a", 1, ComputeMode.QPX, MemoryMode.NPS4);
        var node = await cluster.WaitAsync("node-a", v => v.Operation is { IsRunning: false } && v.Gpus.All(g => g.Operation is { IsRunning: false }));

        foreach (var gpu in new[] { 0, 1 })
        {
            var answer = await cluster.Node("node-a").GetOperationAsync(gpu);
            Assert.Equal((OperationStatus.RolledBack, DeviceErrorKind.Busy), (answer!.Status, answer.Error!.Kind));
            Assert.Equal((OperationStatus.RolledBack, DeviceErrorKind.Busy), (node.Gpus[gpu].Operation!.Status, node.Gpus[gpu].Operation!.Error!.Kind));
        }
    }

    [Fact]
    public async Task A_later_GPU_only_change_answers_for_its_GPU_and_a_GPU_never_changed_has_no_operation()
    {
        await using var cluster = await HardwareCluster.StartAsync(("node-a", "MI300X:2"));
        var nodeWide = await cluster.RequestAsync("node-a", 0, ComputeMode.CPX, MemoryMode.NPS4);
        await cluster.WaitAsync("node-a", v => v.Operation is { IsRunning: false });

        var own = await cluster.RequestAsync("node-a", 1, ComputeMode.QPX);
        await cluster.WaitForOperationAsync("node-a", 1, own.Operation!.Id);

        Assert.Equal(own.Operation.Id, (await cluster.Node("node-a").GetOperationAsync(1))!.Id);
        Assert.Equal(nodeWide.Operation!.Id, (await cluster.Node("node-a").GetOperationAsync(0))!.Id);
        Assert.Null(await cluster.Node("node-a").GetOperationAsync(7));
    }
}

using GpuSharing.Grains.Hardware;
using GpuSharing.Grains.Hardware.Simulation;
using GpuSharing.Grains.Interfaces.Hardware;
using Microsoft.Extensions.Options;

namespace GpuSharing.Unit.Tests.Simulation;

public sealed class SimulatedGpuNodeTests
{
    private const long GiB = 1L << 30;

    private static SimulatedGpuNode Node(string gpus = "MI300X:2", string rocm = "7.0.0", string platform = "Linux Baremetal", string? stateFile = null) =>
        new(Options.Create(new NodeOptions
        {
            Name = "sim-node",
            SimulatedGpus = gpus,
            SimulatedRocmVersion = rocm,
            SimulatedPlatform = platform,
            SimulatedStateFile = stateFile,
            SimulatedComputeDelay = TimeSpan.Zero,
            SimulatedMemoryDelay = TimeSpan.Zero,
            SimulatedReloadDelay = TimeSpan.Zero,
        }), TimeProvider.System);

    [Fact]
    public async Task Starts_as_factory_default_SPX_NPS1_with_one_partition_of_the_whole_HBM()
    {
        var snapshot = await Node().ReadNodeAsync(TestContext.Current.CancellationToken);

        Assert.Equal("simulated", snapshot.ToolVersion);
        Assert.Equal(MemoryMode.NPS1, snapshot.MemoryMode);
        Assert.Equal(2, snapshot.Gpus.Count);
        Assert.All(snapshot.Gpus, g => Assert.Equal(("MI300X", ComputeMode.SPX, 192 * GiB, 304), (g.Model, g.ComputeMode!.Value, g.VramBytes, g.ComputeUnits)));
        Assert.All(snapshot.Gpus, g => Assert.Equal(192 * GiB, Assert.Single(g.Partitions).VramBytes));
        Assert.Equal(CapabilitySource.Device, snapshot.Gpus[0].Capabilities.Source);
        Assert.Equal(3, snapshot.Gpus[0].Capabilities.ComputeModes.Single(c => c.Mode == ComputeMode.CPX).ProfileIndex);
    }

    [Fact]
    public async Task CPX_gives_eight_24_GiB_partitions_with_global_logical_indices()
    {
        var node = Node();
        var ct = TestContext.Current.CancellationToken;

        await node.SetComputeModeAsync(1, ComputeMode.CPX, ct);
        var snapshot = await node.ReadNodeAsync(ct);

        var gpu = snapshot.Gpus[1];
        Assert.Equal(ComputeMode.CPX, gpu.ComputeMode);
        Assert.Equal(8, gpu.Partitions.Count);
        Assert.All(gpu.Partitions, p => Assert.Equal((24 * GiB, 38), (p.VramBytes, p.ComputeUnits)));
        Assert.Equal(Enumerable.Range(1, 8), gpu.Partitions.Select(p => p.LogicalIndex!.Value));
        Assert.Equal("/dev/dri/renderD129", gpu.Partitions[0].RenderNode);
        Assert.Equal(ComputeMode.SPX, snapshot.Gpus[0].ComputeMode);
    }

    [Fact]
    public async Task SPX_while_NPS4_is_SETTING_UNAVAILABLE()
    {
        var node = Node(rocm: "6.4.1");
        var ct = TestContext.Current.CancellationToken;
        Assert.False(await node.SetMemoryModeAsync(MemoryMode.NPS4, ct)); // ROCm 6.4 reloads by itself

        var error = await Assert.ThrowsAsync<GpuDeviceException>(() => node.SetComputeModeAsync(0, ComputeMode.SPX, ct));

        Assert.Equal((DeviceErrorKind.SettingUnavailable, (int?)55), (error.Kind, error.Error.StatusCode));
        Assert.Contains("Users may need to switch memory partition", error.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rocm7_memory_mode_waits_for_the_reload_which_moves_SPX_GPUs_to_CPX()
    {
        var node = Node();
        var ct = TestContext.Current.CancellationToken;

        Assert.True(await node.SetMemoryModeAsync(MemoryMode.NPS4, ct));
        var pending = await node.ReadNodeAsync(ct);
        Assert.Equal((MemoryMode.NPS1, MemoryMode.NPS4), (pending.MemoryMode!.Value, pending.PendingMemoryMode!.Value));
        Assert.All(pending.Gpus, g => Assert.Equal(ComputeMode.SPX, g.ComputeMode));

        await node.ReloadDriverAsync(ct);
        var reloaded = await node.ReadNodeAsync(ct);
        Assert.Equal(MemoryMode.NPS4, reloaded.MemoryMode);
        Assert.Null(reloaded.PendingMemoryMode);
        Assert.All(reloaded.Gpus, g => Assert.Equal((ComputeMode.CPX, MemoryMode.NPS4), (g.ComputeMode!.Value, g.MemoryMode!.Value)));
    }

    [Fact]
    public async Task A_process_on_the_GPU_makes_mode_changes_BUSY()
    {
        var node = Node();
        var ct = TestContext.Current.CancellationToken;
        node.StartProcess(0, 4242, "vllm", 10 * GiB);

        var compute = await Assert.ThrowsAsync<GpuDeviceException>(() => node.SetComputeModeAsync(0, ComputeMode.CPX, ct));
        var memory = await Assert.ThrowsAsync<GpuDeviceException>(() => node.SetMemoryModeAsync(MemoryMode.NPS4, ct));
        await node.SetComputeModeAsync(1, ComputeMode.CPX, ct); // the other GPU is free

        Assert.Equal((DeviceErrorKind.Busy, (int?)30), (compute.Kind, compute.Error.StatusCode));
        Assert.Equal(DeviceErrorKind.Busy, memory.Kind);
        Assert.Equal(4242, Assert.Single(await node.ListProcessesAsync(0, ct)).Pid);
        node.StopProcess(4242);
        await node.SetComputeModeAsync(0, ComputeMode.CPX, ct);
    }

    [Fact]
    public async Task An_SR_IOV_guest_can_read_but_never_set()
    {
        var node = Node(platform: "Linux Guest");
        var ct = TestContext.Current.CancellationToken;

        var snapshot = await node.ReadNodeAsync(ct);
        var error = await Assert.ThrowsAsync<GpuDeviceException>(() => node.SetComputeModeAsync(0, ComputeMode.CPX, ct));

        Assert.False(snapshot.CanSetPartitions);
        Assert.Equal(DeviceErrorKind.GuestCannotSet, error.Kind);
    }

    [Fact]
    public async Task MI355X_has_no_NPS4()
    {
        var error = await Assert.ThrowsAsync<GpuDeviceException>(() => Node("MI355X:1").SetMemoryModeAsync(MemoryMode.NPS4, TestContext.Current.CancellationToken));

        Assert.Equal((DeviceErrorKind.NotSupported, (int?)2), (error.Kind, error.Error.StatusCode));
    }

    [Fact]
    public async Task Injected_faults_fail_the_named_operation_the_given_number_of_times()
    {
        var node = Node();
        var ct = TestContext.Current.CancellationToken;
        node.Faults.Inject(new SimulatedFault(SimulatedOperation.SetCompute, DeviceErrorKind.Busy, Times: 1, GpuIndex: 1));

        await node.SetComputeModeAsync(0, ComputeMode.DPX, ct);
        var error = await Assert.ThrowsAsync<GpuDeviceException>(() => node.SetComputeModeAsync(1, ComputeMode.DPX, ct));
        await node.SetComputeModeAsync(1, ComputeMode.DPX, ct);

        Assert.Equal(DeviceErrorKind.Busy, error.Kind);
        Assert.All((await node.ReadNodeAsync(ct)).Gpus, g => Assert.Equal(ComputeMode.DPX, g.ComputeMode));
    }

    [Fact]
    public async Task A_timeout_after_the_change_leaves_the_change_applied()
    {
        var node = Node();
        var ct = TestContext.Current.CancellationToken;
        node.Faults.Inject(new SimulatedFault(SimulatedOperation.SetCompute, DeviceErrorKind.Timeout, ApplyFirst: true));

        var error = await Assert.ThrowsAsync<GpuDeviceException>(() => node.SetComputeModeAsync(0, ComputeMode.QPX, ct));

        Assert.Equal(DeviceErrorKind.Timeout, error.Kind);
        Assert.Equal(ComputeMode.QPX, (await node.ReadNodeAsync(ct)).Gpus[0].ComputeMode);
    }

    [Fact]
    public async Task The_state_file_keeps_modes_across_restarts_like_a_real_device()
    {
        var file = Path.Combine(Path.GetTempPath(), $"sim-{Guid.NewGuid():N}.json");
        var ct = TestContext.Current.CancellationToken;
        try
        {
            var first = Node(rocm: "6.4.1", stateFile: file);
            await first.SetMemoryModeAsync(MemoryMode.NPS4, ct);
            await first.SetComputeModeAsync(1, ComputeMode.QPX, ct);

            var restarted = await Node(rocm: "6.4.1", stateFile: file).ReadNodeAsync(ct);
            var otherMachine = await Node(gpus: "MI300X:3", rocm: "6.4.1", stateFile: file).ReadNodeAsync(ct);

            Assert.Equal(MemoryMode.NPS4, restarted.MemoryMode);
            Assert.Equal([ComputeMode.CPX, ComputeMode.QPX], restarted.Gpus.Select(g => g.ComputeMode!.Value));
            Assert.Equal(MemoryMode.NPS1, otherMachine.MemoryMode);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("MI300X:2", 2)]
    [InlineData("MI300X:1,MI355X:1", 2)]
    [InlineData("mi325x", 1)]
    public void Simulated_GPU_lists_parse(string text, int count)
    {
        Assert.Equal(count, SimulatedGpuSpec.Parse(text).Count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("H100:2")]
    [InlineData("MI300X:0")]
    [InlineData("MI300X:two")]
    [InlineData("MI300X:65")]
    public void Bad_simulated_GPU_lists_are_rejected(string text)
    {
        Assert.Throws<FormatException>(() => SimulatedGpuSpec.Parse(text));
    }

    [Fact]
    public void Fault_lists_parse_and_reject_unknown_operations()
    {
        var faults = SimulatedFaults.Parse("set-compute:Busy:2; reload:Timeout");

        Assert.Equal([new SimulatedFault(SimulatedOperation.SetCompute, DeviceErrorKind.Busy, 2), new SimulatedFault(SimulatedOperation.Reload, DeviceErrorKind.Timeout, 1)], faults);
        Assert.Throws<FormatException>(() => SimulatedFaults.Parse("explode:Busy"));
    }
}

using GpuSharing.Grains.Hardware;
using GpuSharing.Grains.Hardware.AmdSmi;
using GpuSharing.Grains.Hardware.Processes;
using GpuSharing.Grains.Interfaces.Hardware;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GpuSharing.Unit.Tests.AmdSmi;

/// <summary>The real process path: AmdSmiBackend runs the FAKE amd-smi executable, which prints real amd-smi formats.</summary>
public sealed class AmdSmiBackendTests
{
    private const long MiB = 1L << 20;

    private static AmdSmiBackend Backend(FakeAmdSmiDevice device, TimeSpan? setTimeout = null, string? modprobe = null) =>
        new(
            new AmdSmiClient(
                new ProcessRunner(),
                Options.Create(new AmdSmiOptions
                {
                    Path = FakeAmdSmiDevice.ExecutablePath,
                    Environment = new() { ["FAKE_AMDSMI_STATE"] = device.StatePath },
                    ComputePartitionTimeout = setTimeout ?? TimeSpan.FromSeconds(30),
                    ModprobePath = modprobe ?? "/bin/false",
                }),
                NullLogger<AmdSmiClient>.Instance),
            TimeProvider.System,
            NullLogger<AmdSmiBackend>.Instance);

    [Theory]
    [InlineData("7.0.0")]
    [InlineData("6.4.2")]
    [InlineData("6.3.1")]
    public async Task Reads_two_MI300X_in_SPX_NPS1_in_every_output_generation(string rocm)
    {
        using var device = new FakeAmdSmiDevice(rocm);

        var node = await Backend(device).ReadNodeAsync(TestContext.Current.CancellationToken);

        Assert.Equal(rocm, node.RocmVersion);
        Assert.Equal(MemoryMode.NPS1, node.MemoryMode);
        Assert.Equal(2, node.Gpus.Count);
        Assert.All(node.Gpus, g => Assert.Equal(("MI300X", ComputeMode.SPX, MemoryMode.NPS1), (g.Model, g.ComputeMode!.Value, g.MemoryMode!.Value)));
        Assert.All(node.Gpus, g => Assert.Equal(196592 * MiB, Assert.Single(g.Partitions).VramBytes));
        Assert.Equal(["0000:0c:00.0", "0000:22:00.0"], node.Gpus.Select(g => g.Bdf));
        Assert.Equal(CapabilitySource.Device, node.Gpus[0].Capabilities.Source);
        Assert.Equal([0, 1, 2, 3], node.Gpus[0].Capabilities.ComputeModes.Select(c => c.ProfileIndex!.Value));
        Assert.Equal(rocm.StartsWith('7') ? "Linux Baremetal" : "unknown", node.Platform);
    }

    [Fact]
    public async Task Rocm7_partition_reads_use_json_and_rocm6_reads_use_text()
    {
        using var rocm7 = new FakeAmdSmiDevice("7.0.0");
        using var rocm6 = new FakeAmdSmiDevice("6.4.2");
        var ct = TestContext.Current.CancellationToken;

        await Backend(rocm7).ReadNodeAsync(ct);
        await Backend(rocm6).ReadNodeAsync(ct);

        Assert.Contains("partition --json", rocm7.Invocations);
        Assert.DoesNotContain("partition --json", rocm6.Invocations);
        Assert.Contains("partition", rocm6.Invocations);
        Assert.Contains(string.Empty, rocm7.Invocations); // the default view, for the platform line
    }

    [Fact]
    public async Task CPX_shows_eight_partitions_with_the_device_reported_VRAM()
    {
        using var device = new FakeAmdSmiDevice();
        var backend = Backend(device);
        var ct = TestContext.Current.CancellationToken;

        await backend.SetComputeModeAsync(1, ComputeMode.CPX, ct);
        var gpu = (await backend.ReadNodeAsync(ct)).Gpus[1];

        Assert.Contains("set --gpu 0000:22:00.0 --compute-partition CPX", device.Invocations);
        Assert.Equal(ComputeMode.CPX, gpu.ComputeMode);
        Assert.Equal(8, gpu.Partitions.Count);
        Assert.All(gpu.Partitions, p => Assert.Equal(196592 * MiB / 8, p.VramBytes));
        Assert.Equal(Enumerable.Range(1, 8), gpu.Partitions.Select(p => p.LogicalIndex!.Value));
        Assert.Equal("0000:22:00.7", gpu.Partitions[7].Bdf);
    }

    [Fact]
    public async Task Rocm7_memory_change_answers_the_prompt_and_needs_a_separate_reload()
    {
        using var device = new FakeAmdSmiDevice("7.0.0");
        var backend = Backend(device);
        var ct = TestContext.Current.CancellationToken;

        Assert.True(await backend.SetMemoryModeAsync(MemoryMode.NPS4, ct));
        Assert.Equal("NPS1", device.Memory);
        await backend.ReloadDriverAsync(ct);
        var node = await backend.ReadNodeAsync(ct);

        Assert.Contains("reset --reload-driver", device.Invocations);
        Assert.Equal(MemoryMode.NPS4, node.MemoryMode);
        Assert.All(node.Gpus, g => Assert.Equal(ComputeMode.CPX, g.ComputeMode)); // the driver moved SPX to CPX
    }

    [Fact]
    public async Task Rocm64_memory_change_reloads_by_itself()
    {
        using var device = new FakeAmdSmiDevice("6.4.1");

        Assert.False(await Backend(device).SetMemoryModeAsync(MemoryMode.NPS4, TestContext.Current.CancellationToken));

        Assert.Equal("NPS4", device.Memory);
    }

    [Fact]
    public async Task Rocm712_reloads_with_modprobe_because_reset_r_is_gone()
    {
        using var device = new FakeAmdSmiDevice("7.14.0");

        var error = await Assert.ThrowsAsync<GpuDeviceException>(() => Backend(device, modprobe: "/bin/false").ReloadDriverAsync(TestContext.Current.CancellationToken));
        await Backend(device, modprobe: "/bin/true").ReloadDriverAsync(TestContext.Current.CancellationToken);

        Assert.Equal(DeviceErrorKind.DriverReloadFailed, error.Kind);
        Assert.Contains("/bin/false -r amdgpu", error.Error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(device.Invocations, i => i.StartsWith("reset", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SPX_under_NPS4_is_SETTING_UNAVAILABLE_with_the_devices_words()
    {
        using var device = new FakeAmdSmiDevice("6.4.1");
        var backend = Backend(device);
        var ct = TestContext.Current.CancellationToken;
        await backend.SetMemoryModeAsync(MemoryMode.NPS4, ct);

        var error = await Assert.ThrowsAsync<GpuDeviceException>(() => backend.SetComputeModeAsync(0, ComputeMode.SPX, ct));

        Assert.Equal((DeviceErrorKind.SettingUnavailable, (int?)55), (error.Kind, error.Error.StatusCode));
        Assert.Contains("Unable to set accelerator partition to SPX on GPU ID: 0 BDF:0000:0c:00.0", error.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_process_on_the_GPU_is_BUSY()
    {
        using var device = new FakeAmdSmiDevice();
        device.AddProcess(gpu: 0, pid: 7777);
        var backend = Backend(device);
        var ct = TestContext.Current.CancellationToken;

        var processes = await backend.ListProcessesAsync(0, ct);
        var error = await Assert.ThrowsAsync<GpuDeviceException>(() => backend.SetComputeModeAsync(0, ComputeMode.CPX, ct));

        Assert.Equal(7777, Assert.Single(processes).Pid);
        Assert.Empty(await backend.ListProcessesAsync(1, ct));
        Assert.Equal((DeviceErrorKind.Busy, (int?)30), (error.Kind, error.Error.StatusCode));
        Assert.Equal("SPX", device.Compute(0));
    }

    [Fact]
    public async Task Without_root_sets_are_NO_PERM_and_capabilities_fall_back_to_the_catalog()
    {
        using var device = new FakeAmdSmiDevice(root: false);
        var backend = Backend(device);
        var ct = TestContext.Current.CancellationToken;

        var node = await backend.ReadNodeAsync(ct);
        var error = await Assert.ThrowsAsync<GpuDeviceException>(() => backend.SetComputeModeAsync(0, ComputeMode.CPX, ct));

        Assert.Equal(CapabilitySource.Catalog, node.Gpus[0].Capabilities.Source);
        Assert.Equal((DeviceErrorKind.NoPermission, (int?)10), (error.Kind, error.Error.StatusCode));
    }

    [Theory]
    [InlineData("7.0.0")]
    [InlineData("6.4.1")]
    public async Task Without_root_the_node_is_read_as_one_that_cannot_set_partitions(string rocm)
    {
        using var device = new FakeAmdSmiDevice(rocm, root: false);
        using var root = new FakeAmdSmiDevice(rocm);

        var node = await Backend(device).ReadNodeAsync(TestContext.Current.CancellationToken);
        var rooted = await Backend(root).ReadNodeAsync(TestContext.Current.CancellationToken);

        Assert.False(node.CanSetPartitions);
        Assert.Contains("without root", node.CannotSetPartitionsReason, StringComparison.Ordinal);
        Assert.True(rooted.CanSetPartitions);
        Assert.Null(rooted.CannotSetPartitionsReason);
    }

    [Fact]
    public async Task An_SR_IOV_guest_is_refused_before_amd_smi_is_asked_to_set()
    {
        using var device = new FakeAmdSmiDevice(platform: "Linux Guest");
        var backend = Backend(device);
        var ct = TestContext.Current.CancellationToken;

        var node = await backend.ReadNodeAsync(ct);
        var error = await Assert.ThrowsAsync<GpuDeviceException>(() => backend.SetMemoryModeAsync(MemoryMode.NPS4, ct));

        Assert.False(node.CanSetPartitions);
        Assert.Equal(DeviceErrorKind.GuestCannotSet, error.Kind);
        Assert.DoesNotContain(device.Invocations, i => i.StartsWith("set", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_hanging_amd_smi_is_killed_and_reported_as_Timeout()
    {
        using var device = new FakeAmdSmiDevice();
        device.AddFault("set-compute", hangSeconds: 60);

        var error = await Assert.ThrowsAsync<GpuDeviceException>(() =>
            Backend(device, setTimeout: TimeSpan.FromSeconds(2)).SetComputeModeAsync(0, ComputeMode.CPX, TestContext.Current.CancellationToken));

        Assert.Equal(DeviceErrorKind.Timeout, error.Kind);
        Assert.Equal("SPX", device.Compute(0));
    }

    [Fact]
    public async Task Output_that_is_not_JSON_is_Unparsable()
    {
        using var device = new FakeAmdSmiDevice();
        device.AddFault("static", status: "GARBAGE");

        var error = await Assert.ThrowsAsync<GpuDeviceException>(() => Backend(device).ReadNodeAsync(TestContext.Current.CancellationToken));

        Assert.Equal(DeviceErrorKind.Unparsable, error.Kind);
        Assert.Contains("static", error.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Partition_json_that_is_not_one_document_is_read_again_in_the_text_form()
    {
        using var device = new FakeAmdSmiDevice("7.0.0");
        device.AddFault("partition", status: "GARBAGE");

        var node = await Backend(device).ReadNodeAsync(TestContext.Current.CancellationToken);

        var partitionCalls = device.Invocations.Where(i => i.StartsWith("partition", StringComparison.Ordinal)).ToList();
        Assert.Equal(["partition --json", "partition"], partitionCalls);
        Assert.Equal(CapabilitySource.Device, node.Gpus[0].Capabilities.Source);
        Assert.Equal(3, node.Gpus[0].Capabilities.ComputeModes.Single(c => c.Mode == ComputeMode.CPX).ProfileIndex);
    }

    [Fact]
    public async Task Metrics_give_usage_power_temperature_and_VRAM_in_use()
    {
        using var device = new FakeAmdSmiDevice();
        device.AddProcess(gpu: 1, pid: 99, vramBytes: 3L << 30);

        var node = await Backend(device).ReadNodeAsync(TestContext.Current.CancellationToken);

        Assert.Contains("metric --usage --mem-usage --power --temperature --json", device.Invocations);
        Assert.Equal(new GpuTelemetry(0, 140, 40, 35, 0, [0]), node.Gpus[0].Telemetry);
        Assert.Equal(3072 * MiB, node.Gpus[1].Telemetry!.VramUsedBytes);
    }

    [Fact]
    public async Task VRAM_in_use_is_read_for_every_partition_secondary_ones_included()
    {
        using var device = new FakeAmdSmiDevice("7.0.0", "MI300X:2");
        device.SetLayout("NPS1", "CPX", "SPX");
        device.AddProcess(gpu: 0, pid: 10, vramBytes: 1L << 30, partition: 0);
        device.AddProcess(gpu: 0, pid: 11, vramBytes: 2L << 30, partition: 3);
        device.AddProcess(gpu: 0, pid: 12, vramBytes: 5L << 30, partition: 7);

        var node = await Backend(device).ReadNodeAsync(TestContext.Current.CancellationToken);

        var cpx = node.Gpus[0].Telemetry!;
        Assert.Equal<long?>([1024 * MiB, 0, 0, 2048 * MiB, 0, 0, 0, 5120 * MiB], cpx.PartitionVramUsedBytes!);
        Assert.Equal(8192 * MiB, cpx.VramUsedBytes); // the GPU's is the sum of its partitions'
        Assert.Equal(2048 * MiB, cpx.PartitionVramUsed(3));
        Assert.Null(cpx.PartitionVramUsed(8));
        Assert.Equal<long?>([0], node.Gpus[1].Telemetry!.PartitionVramUsedBytes!);
    }

    [Fact]
    public async Task A_missing_executable_is_ExecutableNotFound()
    {
        var backend = new AmdSmiBackend(
            new AmdSmiClient(new ProcessRunner(), Options.Create(new AmdSmiOptions { Path = "/nonexistent/amd-smi" }), NullLogger<AmdSmiClient>.Instance),
            TimeProvider.System,
            NullLogger<AmdSmiBackend>.Instance);

        var error = await Assert.ThrowsAsync<GpuDeviceException>(() => backend.ReadNodeAsync(TestContext.Current.CancellationToken));

        Assert.Equal(DeviceErrorKind.ExecutableNotFound, error.Kind);
    }
}

using GpuSharing.Grains.Hardware.AmdSmi;

namespace GpuSharing.Unit.Tests.AmdSmi;

public sealed class ProcessFixtureTests
{
    [Fact]
    [CoversFixture("process-and-monitor_rocm6.4.0_amdsmi25.3_mi300x_issue130.txt")]
    public void Rocm64_nonroot_process_has_no_name_and_monitor_reports_usage_beside_the_group_warning()
    {
        var text = Fixtures.AmdSmi("process-and-monitor_rocm6.4.0_amdsmi25.3_mi300x_issue130.txt");

        var process = Assert.Single(AmdSmiProcessParser.ParseText(text));
        Assert.Equal((0, 2266127, (string?)null), (process.Gpu, process.Pid, process.Name));
        Assert.Equal((long)Math.Round(1.9 * (1L << 30)), process.VramBytes);
        Assert.Equal(0, process.GttBytes);

        var monitor = AmdSmiMonitorParser.Parse(text);
        Assert.Equal(2, monitor.Count);
        Assert.Equal((long)Math.Round(191.7 * (1L << 30)), monitor[0].VramTotalBytes);
        Assert.Equal((long)Math.Round(3.0 * (1L << 30)), monitor[0].VramUsedBytes);
        Assert.Equal(305, monitor[0].PowerWatts);
        Assert.Equal((long)Math.Round(3.1 * (1L << 30)), monitor[1].VramUsedBytes);
        Assert.Equal("25.3.0+ede62f2", AmdSmiVersionParser.Parse(text).Tool);
        Assert.Equal("6.4.0", AmdSmiVersionParser.Parse(text).Rocm);
    }

    [Fact]
    [CoversFixture("process-json_rocm6.2_unknown-gpu.json")]
    public void Rocm62_process_json_lists_two_processes_with_mem_usage()
    {
        var processes = AmdSmiProcessParser.ParseJson(Fixtures.AmdSmi("process-json_rocm6.2_unknown-gpu.json"));

        Assert.Equal([(0, 420157, "TransferBench"), (0, 420315, "rvs")], processes.Select(p => (p.Gpu, p.Pid, p.Name)));
        Assert.All(processes, p => Assert.Equal(0, p.MemUsageBytes));
        Assert.All(processes, p => Assert.Null(p.VramBytes));
    }

    [Fact]
    [CoversFixture("process_rocm7.14_docs-example.txt")]
    public void Rocm714_process_text_reads_memory_and_CU_occupancy_and_skips_idle_GPUs()
    {
        var process = Assert.Single(AmdSmiProcessParser.ParseText(Fixtures.AmdSmi("process_rocm7.14_docs-example.txt")));

        Assert.Equal((0, 12345, "python3"), (process.Gpu, process.Pid, process.Name));
        Assert.Equal(4L << 30, process.VramBytes);
        Assert.Equal(128L << 20, process.GttBytes);
        Assert.Equal(0, process.CpuBytes);
        Assert.Equal((long)Math.Round(4.13 * (1L << 30)), process.MemUsageBytes);
        Assert.Equal(114, process.CuOccupancy);
    }

    [Fact]
    [CoversFixture("DERIVED_process-json_rocm7.x_mi300x.json")]
    public void Rocm7_process_json_reads_memory_usage_and_skips_no_running_processes()
    {
        var process = Assert.Single(AmdSmiProcessParser.ParseJson(Fixtures.AmdSmi("DERIVED_process-json_rocm7.x_mi300x.json")));

        Assert.Equal((0, 2266127, "python3"), (process.Gpu, process.Pid, process.Name));
        Assert.Equal(2040109465, process.VramBytes);
        Assert.Null(process.CuOccupancy);
    }
}

using GpuSharing.Grains.Hardware.AmdSmi;

namespace GpuSharing.Unit.Tests.AmdSmi;

public sealed class MonitorFixtureTests
{
    [Fact]
    [CoversFixture("monitor-p-t-v_rocm6.3_amdsmi24.7_mi300x-cpx-32logical.txt")]
    public void Rocm63_monitor_lists_32_CPX_partitions_each_claiming_the_whole_device()
    {
        var rows = AmdSmiMonitorParser.Parse(Fixtures.AmdSmi("monitor-p-t-v_rocm6.3_amdsmi24.7_mi300x-cpx-32logical.txt"));

        Assert.Equal(Enumerable.Range(0, 32), rows.Select(r => r.Gpu));
        Assert.All(rows, r => Assert.Equal(196300L << 20, r.VramTotalBytes));
        Assert.All(rows, r => Assert.Equal(283L << 20, r.VramUsedBytes));
        Assert.Equal((248d, 55d, 48d), (rows[0].PowerWatts!.Value, rows[0].GpuTemperatureCelsius!.Value, rows[0].MemoryTemperatureCelsius!.Value));
        Assert.Equal(227, rows[31].PowerWatts);
    }

    [Fact]
    [CoversFixture("monitor_rocm6.4.1_mi300x-cpx-nps1.txt")]
    public void Rocm641_monitor_shows_the_primary_with_the_device_total_and_secondaries_with_24_GB()
    {
        var rows = AmdSmiMonitorParser.Parse(Fixtures.AmdSmi("monitor_rocm6.4.1_mi300x-cpx-nps1.txt"));

        Assert.Equal(Enumerable.Range(0, 9), rows.Select(r => r.Gpu));
        Assert.Equal(192L << 30, rows[0].VramTotalBytes);
        Assert.Equal(202, rows[0].PowerWatts);
        Assert.All(rows.Skip(1).Take(7), r => Assert.Equal(24L << 30, r.VramTotalBytes));
        Assert.All(rows.Skip(1).Take(7), r => Assert.Null(r.PowerWatts));
        Assert.Equal(192L << 30, rows[8].VramTotalBytes);
    }
}

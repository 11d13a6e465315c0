using GpuSharing.Grains.Hardware.AmdSmi;

namespace GpuSharing.Unit.Tests.AmdSmi;

public sealed class MetricFixtureTests
{
    [Fact]
    [CoversFixture("metric-power-json_rocm6.1_unknown-gpu.json")]
    public void Rocm61_power_json_reads_value_unit_leaves_from_a_bare_list()
    {
        var metrics = Assert.Single(AmdSmiMetricParser.ParseJson(Fixtures.AmdSmi("metric-power-json_rocm6.1_unknown-gpu.json")));

        Assert.Equal(0, metrics.Gpu);
        Assert.Equal(10, metrics.SocketPowerWatts);
        Assert.Equal(6, metrics.GfxVoltageMillivolts);
        Assert.Equal(918, metrics.SocVoltageMillivolts);
        Assert.Equal(1250, metrics.MemVoltageMillivolts);
        Assert.Equal("ENABLED", metrics.PowerManagement);
        Assert.Equal("UNTHROTTLED", metrics.ThrottleStatus);
        Assert.Null(metrics.TotalVramBytes);
    }

    [Fact]
    [CoversFixture("metric-usage_rocm7.0.0_mi300x-cpx_new-format.txt")]
    public void Rocm70_usage_text_reads_activities_NA_and_per_XCP_busy()
    {
        var metrics = Assert.Single(AmdSmiMetricParser.ParseText(Fixtures.AmdSmi("metric-usage_rocm7.0.0_mi300x-cpx_new-format.txt")));

        Assert.Equal(0, metrics.GfxActivityPercent);
        Assert.Equal(0, metrics.UmcActivityPercent);
        Assert.Null(metrics.MmActivityPercent);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"xcp_{i}"), metrics.GfxBusyPerXcp.Keys.Order());
        Assert.All(metrics.GfxBusyPerXcp.Values, v => Assert.Equal(0, v));
    }

    [Fact]
    [CoversFixture("metric_rocm7.1.0_mi3xx_TRUNCATED.txt")]
    public void Rocm71_metric_text_reads_power_temperature_and_VRAM_around_the_cuts()
    {
        var metrics = Assert.Single(AmdSmiMetricParser.ParseText(Fixtures.AmdSmi("metric_rocm7.1.0_mi3xx_TRUNCATED.txt")));

        Assert.Equal(0, metrics.GfxActivityPercent);
        Assert.Equal(140, metrics.SocketPowerWatts);
        Assert.Null(metrics.GfxVoltageMillivolts);
        Assert.Null(metrics.EdgeCelsius);
        Assert.Equal(37, metrics.HotspotCelsius);
        Assert.Equal(196592L << 20, metrics.TotalVramBytes);
        Assert.Equal(283L << 20, metrics.UsedVramBytes);
    }

    [Fact]
    [CoversFixture("DERIVED_metric-json_rocm7.x_mi300x-spx.json")]
    public void Rocm7_metric_json_unwraps_gpu_data()
    {
        var metrics = Assert.Single(AmdSmiMetricParser.ParseJson(Fixtures.AmdSmi("DERIVED_metric-json_rocm7.x_mi300x-spx.json")));

        Assert.Equal((97d, 1d), (metrics.GfxActivityPercent!.Value, metrics.UmcActivityPercent!.Value));
        Assert.Null(metrics.MmActivityPercent);
        Assert.Equal(305, metrics.SocketPowerWatts);
        Assert.Null(metrics.GfxVoltageMillivolts);
        Assert.Equal((null, 49d, 43d), (metrics.EdgeCelsius, metrics.HotspotCelsius, metrics.MemoryCelsius));
        Assert.Equal(196592L << 20, metrics.TotalVramBytes);
        Assert.Equal(3072L << 20, metrics.UsedVramBytes);
        Assert.Equal(97, metrics.GfxBusyPerXcp["xcp_0"]);
    }
}

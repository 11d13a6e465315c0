using GpuSharing.Grains.Hardware.AmdSmi;
using GpuSharing.Grains.Hardware.Catalog;

namespace GpuSharing.Unit.Tests.AmdSmi;

public sealed class DefaultViewFixtureTests
{
    [Fact]
    [CoversFixture("default_rocm7.0.0_amdsmi26.0_mi300x-8gpu-spx-nps1.txt")]
    public void Rocm70_default_view_lists_eight_bare_metal_MI300X_in_SPX_NPS1()
    {
        var view = AmdSmiDefaultViewParser.Parse(Fixtures.AmdSmi("default_rocm7.0.0_amdsmi26.0_mi300x-8gpu-spx-nps1.txt"));

        Assert.Equal("26.0.0+eaa54ecc", view.Versions.Tool);
        Assert.Equal("7.0.0", view.Versions.Rocm);
        Assert.Equal("6.12.12", view.DriverVersion);
        Assert.Equal("Linux Baremetal", view.Platform);
        Assert.False(view.IsGuest);
        Assert.True(view.Versions.MemoryChangeNeedsSeparateReload);
        Assert.False(view.Versions.ReloadsWithModprobe);

        Assert.Equal(8, view.Gpus.Count);
        Assert.All(view.Gpus, g => Assert.Equal("SPX/NPS1", g.PartitionMode));
        Assert.All(view.Gpus, g => Assert.Equal(196592L << 20, g.VramTotalBytes));
        Assert.All(view.Gpus, g => Assert.Same(GpuCatalog.MI300X, GpuCatalog.Identify(g.Name, null)));
        var first = view.Gpus[0];
        Assert.Equal((0, "0000:0c:00.0", "AMD Instinct MI300X", 0, 2), (first.Gpu, first.Bdf, first.Name, first.HipId, first.OamId));
        Assert.Equal(4976L << 20, first.VramUsedBytes);
        Assert.Equal(("0000:df:00.0", 7, 6), (view.Gpus[7].Bdf, view.Gpus[7].Gpu, view.Gpus[7].OamId));

        Assert.Equal(8, view.Processes.Count);
        Assert.All(view.Processes, p => Assert.Equal((2427396, "rvs"), (p.Pid, p.Name)));
        Assert.Equal(2L << 30, view.Processes[0].VramBytes);
    }

    [Fact]
    [CoversFixture("default_rocm7.14_amdsmi27_mi300a-4apu_docs-example.txt")]
    public void Rocm714_default_view_reads_the_multi_line_header_and_four_MI300A_which_we_do_not_partition()
    {
        var view = AmdSmiDefaultViewParser.Parse(Fixtures.AmdSmi("default_rocm7.14_amdsmi27_mi300a-4apu_docs-example.txt"));

        Assert.Equal("27.0.0", view.Versions.Tool);
        Assert.Equal("7.14.0", view.Versions.Rocm);
        Assert.Equal("6.19.4", view.DriverVersion);
        Assert.Equal("Linux Baremetal", view.Platform);
        Assert.True(view.Versions.ReloadsWithModprobe);

        Assert.Equal(["0000:01:00.0", "0001:01:00.0", "0002:01:00.0", "0003:01:00.0"], view.Gpus.Select(g => g.Bdf));
        Assert.All(view.Gpus, g => Assert.Equal("AMD Instinct MI300A", g.Name));
        Assert.All(view.Gpus, g => Assert.Equal(385728L << 20, g.VramTotalBytes));
        Assert.All(view.Gpus, g => Assert.Equal(25L << 20, g.VramUsedBytes));
        Assert.All(view.Gpus, g => Assert.Null(GpuCatalog.Identify(g.Name, null)));
        Assert.Empty(view.Processes);
    }
}

using System.Globalization;
using GpuSharing.Grains.Hardware.AmdSmi;
using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Unit.Tests.AmdSmi;

public sealed class SnapshotBuilderTests
{
    private const long MiB = 1L << 20;
    private static readonly AmdSmiVersionInfo Rocm64 = new("25.3.0", "25.3.0", "6.4.1");

    // Two MI300X in CPX: amd-smi lists 16 logical GPUs whose PCI functions are the partitions.
    private static List<AmdSmiLogicalDevice> CpxDevices() =>
        [.. from gpu in Enumerable.Range(0, 2)
            from xcp in Enumerable.Range(0, 8)
            select new AmdSmiLogicalDevice(gpu * 8 + xcp, string.Create(CultureInfo.InvariantCulture, $"0000:{(gpu == 0 ? "0c" : "22")}:00.{xcp}"), null, null, null, xcp)];

    private static List<AmdSmiStaticInfo> CpxStatics(long vramMiB) =>
        [.. CpxDevices().Select(d => new AmdSmiStaticInfo(d.Gpu, "AMD Instinct MI300X", "0x74a1", 38, "gfx942", d.Bdf, vramMiB * MiB, "HBM3", ComputeMode.CPX, MemoryMode.NPS1, d.PartitionId))];

    [Fact]
    public void Logical_CPX_devices_fold_into_physical_GPUs_by_PCI_address()
    {
        var snapshot = AmdSmiSnapshotBuilder.Build(Rocm64, "unknown", true, CpxDevices(), CpxStatics(196300), [], AmdSmiPartitionInfo.Empty, DateTimeOffset.UnixEpoch);

        Assert.Equal(2, snapshot.Gpus.Count);
        Assert.Equal(MemoryMode.NPS1, snapshot.MemoryMode);
        var second = snapshot.Gpus[1];
        Assert.Equal((1, "MI300X", "0000:22:00.0", ComputeMode.CPX), (second.Index, second.Model, second.Bdf, second.ComputeMode!.Value));
        Assert.Equal(Enumerable.Range(8, 8), second.Partitions.Select(p => p.LogicalIndex!.Value));
        Assert.Equal("0000:22:00.7", second.Partitions[7].Bdf);
        Assert.All(second.Partitions, p => Assert.Equal(38, p.ComputeUnits));
        // ROCm 6.3-era tools report the whole device for every partition: the partition gets an eighth of it.
        Assert.All(second.Partitions, p => Assert.Equal(196300 * MiB / 8, p.VramBytes));
    }

    [Fact]
    public void Per_partition_VRAM_is_what_secondaries_report_when_the_primary_reports_the_device()
    {
        var metrics = CpxDevices().Select(d => new AmdSmiMetrics(d.Gpu, null, null, null, null, null, null, null, null, null, null, null, null,
            (d.PartitionId == 0 ? 196592 : 24574) * MiB, 0, new Dictionary<string, double?>())).ToList();

        var gpu = AmdSmiSnapshotBuilder.Build(Rocm64, "unknown", true, CpxDevices(), CpxStatics(24574), metrics, AmdSmiPartitionInfo.Empty, DateTimeOffset.UnixEpoch).Gpus[0];

        Assert.Equal(196592 * MiB, gpu.VramBytes);
        Assert.All(gpu.Partitions, p => Assert.Equal(24574 * MiB, p.VramBytes));
        Assert.Equal(304, gpu.ComputeUnits);
    }

    [Fact]
    public void Capabilities_come_from_the_devices_profiles_when_root_shows_them_else_from_the_catalog()
    {
        var profiles = AmdSmiPartitionParser.ParseJson(Fixtures.AmdSmi("DERIVED_partition-json_rocm7.x_mi300x-cpx-nps4.json"));
        var withRoot = AmdSmiSnapshotBuilder.Build(Rocm64, "Linux Baremetal", true, CpxDevices(), CpxStatics(24574), [], profiles, DateTimeOffset.UnixEpoch).Gpus[0];
        var withoutRoot = AmdSmiSnapshotBuilder.Build(Rocm64, "Linux Baremetal", true, CpxDevices(), CpxStatics(24574), [], AmdSmiPartitionInfo.Empty with { RequiresRoot = true }, DateTimeOffset.UnixEpoch);

        Assert.Equal(CapabilitySource.Device, withRoot.Capabilities.Source);
        Assert.Equal([ComputeMode.SPX, ComputeMode.CPX], withRoot.Capabilities.ComputeModes.Select(c => c.Mode));
        Assert.Equal(3, withRoot.Capabilities.ComputeModes[1].ProfileIndex);
        Assert.Equal([MemoryMode.NPS1, MemoryMode.NPS4], withRoot.Capabilities.MemoryModes);
        Assert.Equal(CapabilitySource.Catalog, withoutRoot.Gpus[0].Capabilities.Source);
        Assert.Contains(withoutRoot.Warnings, w => w.Contains("needs root", StringComparison.Ordinal));
    }
}

using System.Text.RegularExpressions;
using GpuSharing.Grains.Hardware;
using GpuSharing.Grains.Hardware.AmdSmi;
using GpuSharing.Grains.Hardware.Catalog;
using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Unit.Tests.AmdSmi;

public sealed partial class StaticFixtureTests
{
    [Fact]
    [CoversFixture("static-asic-bus-ifwi-driver-board-ras_rocm7.x_amdgpu6.18.3_mi350x_PARTIAL.txt")]
    public void MI350X_static_text_is_identified_by_name_and_device_id()
    {
        var info = Assert.Single(AmdSmiStaticParser.ParseText(Fixtures.AmdSmi("static-asic-bus-ifwi-driver-board-ras_rocm7.x_amdgpu6.18.3_mi350x_PARTIAL.txt")));

        Assert.Equal(("AMD Instinct MI350X", "0x75a0", 128, "gfx950", "0000:05:00.0"), (info.MarketName, info.DeviceId, info.ComputeUnits!.Value, info.TargetGraphicsVersion, info.Bdf));
        Assert.Null(info.VramBytes); // the VRAM section was not captured
        Assert.Same(GpuCatalog.MI350X, GpuCatalog.Identify(info.MarketName, info.DeviceId));
        Assert.Same(GpuCatalog.MI350X, GpuCatalog.Identify(null, info.DeviceId));
    }

    [Fact]
    [CoversFixture("static-asic_rocm6.3_amdsmi24.7_mi308x.txt")]
    public void MI308X_static_text_is_read_inside_a_code_fence_and_is_not_a_partitioned_family()
    {
        var info = Assert.Single(AmdSmiStaticParser.ParseText(Fixtures.AmdSmi("static-asic_rocm6.3_amdsmi24.7_mi308x.txt")));

        Assert.Equal(("MI308X", "0x74a2"), (info.MarketName, info.DeviceId));
        Assert.Null(GpuCatalog.Identify(info.MarketName, info.DeviceId));
    }

    [Fact]
    [CoversFixture("static-limit-json_rocm7.2_gpu_data-envelope_TRUNCATED.json.txt")]
    public void Truncated_json_is_unparsable_and_the_gpu_data_envelope_is_read_once_it_is_whole()
    {
        var text = Fixtures.AmdSmi("static-limit-json_rocm7.2_gpu_data-envelope_TRUNCATED.json.txt");

        var error = Assert.Throws<GpuDeviceException>(() => AmdSmiStaticParser.ParseJson(text));
        Assert.Equal(DeviceErrorKind.Unparsable, error.Kind);

        // Close the cut document the way the capture implies (drop "...", trailing commas, close brackets).
        var mended = TrailingComma().Replace(text.Replace("...", string.Empty, StringComparison.Ordinal) + "]}", "$1");
        using var document = AmdSmiJson.ParseDocument(mended, "static --limit --json");
        var gpu = Assert.Single(AmdSmiJson.GpuEntries(document.RootElement, "static --limit --json"));
        Assert.Equal(0, AmdSmiJson.Integer(gpu, "gpu"));
        Assert.Equal(203, AmdSmiJson.Number(gpu, "limit", "ppt0", "max_power_limit"));
        Assert.Equal(100, AmdSmiJson.Number(gpu, "limit", "ppt0", "socket_power_limit"));
        Assert.Null(AmdSmiJson.Number(gpu, "limit", "ppt1", "max_power_limit"));
    }

    [Theory]
    [CoversFixture("static-partition_rocm6.3_amdsmi24.7_mi300x-cpx-nps4.txt")]
    [CoversFixture("static-partition_rocm6.4.2_spx-nps1_new-ACCELERATOR_PARTITION-key.txt")]
    [CoversFixture("static-partition_rocm6.4.2_spx-nps1_old-COMPUTE_PARTITION-key.txt")]
    [InlineData("static-partition_rocm6.3_amdsmi24.7_mi300x-cpx-nps4.txt", ComputeMode.CPX, MemoryMode.NPS4)]
    [InlineData("static-partition_rocm6.4.2_spx-nps1_new-ACCELERATOR_PARTITION-key.txt", ComputeMode.SPX, MemoryMode.NPS1)]
    [InlineData("static-partition_rocm6.4.2_spx-nps1_old-COMPUTE_PARTITION-key.txt", ComputeMode.SPX, MemoryMode.NPS1)]
    public void Static_partition_reads_both_compute_keys(string fileName, ComputeMode compute, MemoryMode memory)
    {
        var info = Assert.Single(AmdSmiStaticParser.ParseText(Fixtures.AmdSmi(fileName)));

        Assert.Equal((0, compute, memory, 0), (info.Gpu, info.ComputePartition, info.MemoryPartition, info.PartitionId));
    }

    [Fact]
    [CoversFixture("static_rocm7.14_amdsmi27_mi300a_docs-example_PARTIAL-to-VRAM.txt")]
    public void Rocm714_static_text_ignores_the_CPU_block_and_reads_the_MI300A()
    {
        var info = Assert.Single(AmdSmiStaticParser.ParseText(Fixtures.AmdSmi("static_rocm7.14_amdsmi27_mi300a_docs-example_PARTIAL-to-VRAM.txt")));

        Assert.Equal(("AMD Instinct MI300A", "0x74a0", 228, "gfx942"), (info.MarketName, info.DeviceId, info.ComputeUnits!.Value, info.TargetGraphicsVersion));
        Assert.Equal("0000:01:00.0", info.Bdf);
        Assert.Equal((96432L << 20, "HBM"), (info.VramBytes!.Value, info.VramType));
        Assert.Null(info.ComputePartition);
        Assert.Null(GpuCatalog.Identify(info.MarketName, info.DeviceId));
    }

    [Fact]
    [CoversFixture("DERIVED_static-json_rocm6.4-and-older_mi300x-spx.json")]
    public void Rocm64_static_json_is_a_bare_list_with_compute_partition()
    {
        var info = Assert.Single(AmdSmiStaticParser.ParseJson(Fixtures.AmdSmi("DERIVED_static-json_rocm6.4-and-older_mi300x-spx.json")));

        Assert.Equal(new AmdSmiStaticInfo(0, "AMD Instinct MI300X", "0x74a1", 304, "gfx942", null, 196592L << 20, "HBM3", ComputeMode.SPX, MemoryMode.NPS1, 0), info);
    }

    [Fact]
    [CoversFixture("DERIVED_static-json_rocm7.x_mi300x-spx.json")]
    public void Rocm7_static_json_unwraps_gpu_data_and_reads_accelerator_partition()
    {
        var info = Assert.Single(AmdSmiStaticParser.ParseJson(Fixtures.AmdSmi("DERIVED_static-json_rocm7.x_mi300x-spx.json")));

        Assert.Equal(new AmdSmiStaticInfo(0, "AMD Instinct MI300X", "0x74a1", 304, "gfx942", null, 196592L << 20, "HBM3", ComputeMode.SPX, MemoryMode.NPS1, 0), info);
        Assert.Same(GpuCatalog.MI300X, GpuCatalog.Identify(info.MarketName, info.DeviceId));
    }

    [GeneratedRegex(@",(\s*[\]}])")]
    private static partial Regex TrailingComma();
}

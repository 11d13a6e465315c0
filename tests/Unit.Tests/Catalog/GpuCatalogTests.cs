using GpuSharing.Grains.Hardware.Catalog;
using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Unit.Tests.Catalog;

public sealed class GpuCatalogTests
{
    private const long GiB = 1L << 30;

    public static TheoryData<string, string[]> ValidCombinations => new()
    {
        { "MI300X", ["SPX/NPS1", "DPX/NPS1", "DPX/NPS2", "QPX/NPS1", "QPX/NPS4", "CPX/NPS1", "CPX/NPS4"] },
        { "MI325X", ["SPX/NPS1", "DPX/NPS1", "DPX/NPS2", "QPX/NPS1", "QPX/NPS4", "CPX/NPS1", "CPX/NPS4"] },
        { "MI350X", ["SPX/NPS1", "DPX/NPS2", "QPX/NPS2", "CPX/NPS2"] },
        { "MI355X", ["SPX/NPS1", "DPX/NPS2", "QPX/NPS2", "CPX/NPS2"] },
    };

    [Theory]
    [MemberData(nameof(ValidCombinations))]
    public void Exactly_the_drivers_combinations_are_valid(string family, string[] expected)
    {
        var gpu = GpuCatalog.Find(family)!;
        var valid = from compute in Enum.GetValues<ComputeMode>()
                    from memory in Enum.GetValues<MemoryMode>()
                    where gpu.IsValid(compute, memory)
                    select $"{compute}/{memory}";

        Assert.Equal(expected.Order(), valid.Order());
    }

    [Theory]
    [InlineData("MI300X", ComputeMode.SPX, 192, 304)]
    [InlineData("MI300X", ComputeMode.DPX, 96, 152)]
    [InlineData("MI300X", ComputeMode.QPX, 48, 76)]
    [InlineData("MI300X", ComputeMode.CPX, 24, 38)]
    [InlineData("MI325X", ComputeMode.CPX, 32, 38)]
    [InlineData("MI350X", ComputeMode.QPX, 72, 64)]
    [InlineData("MI355X", ComputeMode.CPX, 36, 32)]
    [InlineData("MI355X", ComputeMode.SPX, 288, 256)]
    public void Nominal_partitions_divide_HBM_and_CUs(string family, ComputeMode mode, long gib, int computeUnits)
    {
        var gpu = GpuCatalog.Find(family)!;

        Assert.Equal(gib * GiB, gpu.NominalPartitionBytes(mode));
        Assert.Equal(computeUnits, gpu.PartitionComputeUnits(mode));
    }

    [Fact]
    public void An_invalid_combination_is_explained_in_the_drivers_terms()
    {
        Assert.Equal("MI300X supports SPX only with NPS1, not with NPS4.", GpuCatalog.MI300X.ExplainInvalid(ComputeMode.SPX, MemoryMode.NPS4));
        Assert.Equal("MI355X has no NPS4 memory mode (it supports NPS1, NPS2).", GpuCatalog.MI355X.ExplainInvalid(ComputeMode.CPX, MemoryMode.NPS4));
        Assert.Equal("MI300X has no TPX compute mode (it supports SPX, DPX, QPX, CPX).", GpuCatalog.MI300X.ExplainInvalid(ComputeMode.TPX, MemoryMode.NPS1));
        Assert.Null(GpuCatalog.MI300X.ExplainInvalid(ComputeMode.CPX, MemoryMode.NPS4));
    }

    [Theory]
    [InlineData("MI300X", ComputeMode.SPX, MemoryMode.NPS4, ComputeMode.CPX)]
    [InlineData("MI300X", ComputeMode.DPX, MemoryMode.NPS4, ComputeMode.CPX)]
    [InlineData("MI300X", ComputeMode.QPX, MemoryMode.NPS4, ComputeMode.QPX)]
    [InlineData("MI300X", ComputeMode.CPX, MemoryMode.NPS2, ComputeMode.DPX)]
    [InlineData("MI300X", ComputeMode.CPX, MemoryMode.NPS1, ComputeMode.CPX)]
    [InlineData("MI355X", ComputeMode.SPX, MemoryMode.NPS2, ComputeMode.DPX)]
    [InlineData("MI355X", ComputeMode.CPX, MemoryMode.NPS1, ComputeMode.SPX)]
    public void The_driver_moves_an_invalid_compute_mode_after_a_memory_change(string family, ComputeMode before, MemoryMode memory, ComputeMode after)
    {
        Assert.Equal(after, GpuCatalog.Find(family)!.ComputeModeAfterMemoryChange(before, memory));
    }

    [Theory]
    [InlineData("AMD Instinct MI300X", null, "MI300X")]
    [InlineData("AMD Instinct MI325X OAM", null, "MI325X")]
    [InlineData(null, "0x75A3", "MI355X")]
    [InlineData("unknown", "0x74a1", "MI300X")]
    [InlineData("AMD Instinct MI300A", "0x74a0", null)]
    [InlineData("MI308X", "0x74a2", null)]
    public void Devices_are_identified_by_market_name_then_device_id(string? marketName, string? deviceId, string? expected)
    {
        Assert.Equal(expected, GpuCatalog.Identify(marketName, deviceId)?.Name);
    }

    [Fact]
    public void Catalog_capabilities_list_every_compute_mode_with_its_memory_modes()
    {
        var capabilities = GpuCatalog.MI300X.CatalogCapabilities();

        Assert.Equal(CapabilitySource.Catalog, capabilities.Source);
        Assert.Equal([MemoryMode.NPS1, MemoryMode.NPS2, MemoryMode.NPS4], capabilities.MemoryModes);
        Assert.True(capabilities.Supports(ComputeMode.CPX, MemoryMode.NPS4));
        Assert.False(capabilities.Supports(ComputeMode.SPX, MemoryMode.NPS4));
        Assert.Equal(8, capabilities.ComputeModes.Single(c => c.Mode == ComputeMode.CPX).Partitions);
    }
}

using GpuSharing.Grains.Hardware;
using GpuSharing.Grains.Hardware.AmdSmi;
using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Unit.Tests.AmdSmi;

public sealed class PartitionFixtureTests
{
    [Fact]
    [CoversFixture("partition-accelerator_rocm6.4.0_nonroot-warning_mi300x-8gpu.txt")]
    public void Profiles_without_root_are_withheld_and_flagged()
    {
        var info = AmdSmiPartitionParser.ParseText(Fixtures.AmdSmi("partition-accelerator_rocm6.4.0_nonroot-warning_mi300x-8gpu.txt"));

        Assert.True(info.RequiresRoot);
        Assert.Empty(info.Profiles);
        Assert.Empty(info.Current);
    }

    [Fact]
    [CoversFixture("partition-current_rocm6.4.0_mi300x-cpx-nps1_new-format.txt")]
    public void Rocm64_current_new_format_has_one_partition_id_per_logical_GPU_restarting_per_physical_GPU()
    {
        var info = AmdSmiPartitionParser.ParseText(Fixtures.AmdSmi("partition-current_rocm6.4.0_mi300x-cpx-nps1_new-format.txt"));

        Assert.Equal(Enumerable.Range(0, 11), info.Current.Select(c => c.Gpu));
        Assert.All(info.Current, c => Assert.Equal((MemoryMode.NPS1, ComputeMode.CPX, 3), (c.Memory, c.AcceleratorType, c.ProfileIndex)));
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2], info.Current.Select(c => Assert.Single(c.PartitionIds)));
        Assert.False(info.RequiresRoot);
    }

    [Fact]
    [CoversFixture("partition-current_rocm6.4.0_mi300x-cpx-nps1_old-format.txt")]
    public void Rocm64_current_old_format_lists_all_partition_ids_on_the_primary_and_NA_elsewhere()
    {
        var info = AmdSmiPartitionParser.ParseText(Fixtures.AmdSmi("partition-current_rocm6.4.0_mi300x-cpx-nps1_old-format.txt"));

        Assert.Equal(11, info.Current.Count);
        Assert.Equal(Enumerable.Range(0, 8), info.Current[0].PartitionIds);
        Assert.Empty(info.Current[1].PartitionIds);
        Assert.Empty(info.Current[7].PartitionIds);
        Assert.Equal(Enumerable.Range(0, 8), info.Current[8].PartitionIds);
        Assert.All(info.Current, c => Assert.Equal(ComputeMode.CPX, c.AcceleratorType));
    }

    [Fact]
    [CoversFixture("partition_rocm6.3_mi300a-4apu_issue4477_all-NA.txt")]
    public void Rocm63_partition_reads_NA_types_and_the_YAML_like_memory_section()
    {
        var info = AmdSmiPartitionParser.ParseText(Fixtures.AmdSmi("partition_rocm6.3_mi300a-4apu_issue4477_all-NA.txt"));

        Assert.Equal([0, 1, 2, 3], info.Current.Select(c => c.Gpu));
        Assert.All(info.Current, c => Assert.Equal(MemoryMode.NPS1, c.Memory));
        Assert.All(info.Current, c => Assert.Null(c.AcceleratorType));
        Assert.All(info.Current, c => Assert.Null(c.ProfileIndex));
        Assert.Equal([0, 1, 2, 3], info.Memory.Select(m => m.Gpu));
        Assert.All(info.Memory, m => Assert.Equal(MemoryMode.NPS1, m.Current));
        Assert.All(info.Memory, m => Assert.Empty(m.Caps));
        Assert.Empty(info.Profiles);
    }

    [Fact]
    [CoversFixture("partition_rocm6.4-preview_mi300a-4apu_issue4477_PARTIAL.txt")]
    public void Rocm64_partition_reads_current_memory_table_and_the_current_profile_marker()
    {
        var info = AmdSmiPartitionParser.ParseText(Fixtures.AmdSmi("partition_rocm6.4-preview_mi300a-4apu_issue4477_PARTIAL.txt"));

        Assert.All(info.Current, c => Assert.Equal((MemoryMode.NPS1, ComputeMode.SPX, 0), (c.Memory, c.AcceleratorType, c.ProfileIndex)));
        Assert.Equal(4, info.Current.Count);
        Assert.Equal([0, 1, 2, 3], info.Memory.Select(m => m.Gpu));
        Assert.All(info.Memory, m => Assert.Equal(MemoryMode.NPS1, m.Current));
        var profile = Assert.Single(info.Profiles);
        Assert.Equal(new AmdSmiPartitionProfile(0, 0, ComputeMode.SPX, [], 1, true), profile with { MemoryCaps = [] });
        Assert.Empty(profile.MemoryCaps);
    }

    [Fact]
    [CoversFixture("DERIVED_partition-json_rocm7.x_mi300x-cpx-nps4.json")]
    public void Rocm7_partition_json_reads_profiles_and_skips_resource_continuation_rows()
    {
        var info = AmdSmiPartitionParser.ParseJson(Fixtures.AmdSmi("DERIVED_partition-json_rocm7.x_mi300x-cpx-nps4.json"));

        Assert.Equal(2, info.Current.Count);
        Assert.All(info.Current, c => Assert.Equal((MemoryMode.NPS4, ComputeMode.CPX, 3), (c.Memory, c.AcceleratorType, c.ProfileIndex)));
        Assert.Equal([[0], [1]], info.Current.Select(c => c.PartitionIds.ToArray()));
        var memory = Assert.Single(info.Memory);
        Assert.Equal([MemoryMode.NPS1, MemoryMode.NPS4], memory.Caps);
        Assert.Equal(MemoryMode.NPS4, memory.Current);

        Assert.Equal(2, info.Profiles.Count);
        var spx = info.Profiles.Single(p => p.Type == ComputeMode.SPX);
        Assert.Equal((0, 0, 1, false), (spx.Gpu, spx.ProfileIndex, spx.NumPartitions!.Value, spx.IsCurrent));
        Assert.Equal([MemoryMode.NPS1], spx.MemoryCaps);
        var cpx = info.Profiles.Single(p => p.Type == ComputeMode.CPX);
        Assert.Equal((0, 3, 8, true), (cpx.Gpu, cpx.ProfileIndex, cpx.NumPartitions!.Value, cpx.IsCurrent));
        Assert.Equal([MemoryMode.NPS1, MemoryMode.NPS4], cpx.MemoryCaps);
    }

    [Fact]
    public void Rocm63_multi_document_partition_json_is_unparsable_so_the_text_form_is_read()
    {
        const string TwoDocuments = "{\"current_partition\": []}\n{\"memory_partition\": []}";

        var error = Assert.Throws<GpuDeviceException>(() => AmdSmiPartitionParser.ParseJson(TwoDocuments));

        Assert.Equal(DeviceErrorKind.Unparsable, error.Kind);
        Assert.Contains("more than one JSON document", error.Error.Message, StringComparison.Ordinal);
    }
}

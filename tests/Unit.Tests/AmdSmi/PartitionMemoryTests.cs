using CsCheck;
using GpuSharing.Grains.Hardware.AmdSmi;
using GpuSharing.Grains.Hardware.Catalog;

namespace GpuSharing.Unit.Tests.AmdSmi;

/// <summary>The rule behind per-partition VRAM, over every family, partition count, reporting style and order.</summary>
public sealed class PartitionMemoryTests
{
    private const long MiB = 1L << 20;

    [Fact]
    public void For_a_known_family_every_style_and_order_gives_the_same_partition_size_and_never_divides_a_share()
    {
        var families = Gen.Int[0, 3].Select(i => GpuCatalog.All[i]);
        var counts = Gen.OneOf(1, 2, 4, 8);
        var styles = Gen.OneOf("primary-whole", "shares", "whole", "quadrants");

        Gen.Select(families, counts, styles, Gen.Int[0, 1000], Gen.Int[0, int.MaxValue]).Sample((family, count, style, shortfallMiB, seed) =>
        {
            // What a device reports for the whole device is a little under the catalog's nominal HBM.
            var whole = family.HbmBytes - (shortfallMiB * MiB);
            var share = whole / count;
            var reported = Enumerable.Range(0, count).Select(p => style switch
            {
                "shares" => share,
                "whole" => whole,
                "quadrants" => p == 0 ? whole : Math.Min(whole, share * 2), // ROCm 7.14 ALL mode: a memory partition shared by two XCPs
                _ => p == 0 ? whole : share,
            }).ToList();
            var shuffled = reported.OrderBy(_ => new Random(seed).Next()).ToList();

            var (device, partition) = AmdSmiPartitionMemory.Resolve(family, count, shuffled, equalReportsAreShares: true);

            Assert.InRange(device, whole, family.HbmBytes);
            Assert.InRange(partition, share - MiB, family.HbmBytes / count);
        });
    }

    [Fact]
    public void An_unknown_device_is_read_as_its_tool_reports_it()
    {
        // The primary reports more than the others: it is the whole device.
        Assert.Equal((64_000 * MiB, 16_000 * MiB), AmdSmiPartitionMemory.Resolve(null, 4, [64_000 * MiB, 16_000 * MiB, 16_000 * MiB, 16_000 * MiB], equalReportsAreShares: true));

        // All equal: a share on tools from ROCm 6.4, the whole device on older ones.
        Assert.Equal((64_000 * MiB, 16_000 * MiB), AmdSmiPartitionMemory.Resolve(null, 4, [16_000 * MiB, 16_000 * MiB, 16_000 * MiB, 16_000 * MiB], equalReportsAreShares: true));
        Assert.Equal((16_000 * MiB, 4_000 * MiB), AmdSmiPartitionMemory.Resolve(null, 4, [16_000 * MiB, 16_000 * MiB, 16_000 * MiB, 16_000 * MiB], equalReportsAreShares: false));

        Assert.Equal((0L, 0L), AmdSmiPartitionMemory.Resolve(null, 2, [], equalReportsAreShares: true));
    }

    [Fact]
    public void Without_any_report_a_known_family_gets_its_nominal_sizes()
    {
        Assert.Equal((288L << 30, 36L << 30), AmdSmiPartitionMemory.Resolve(GpuCatalog.MI355X, 8, [], equalReportsAreShares: true));
    }
}

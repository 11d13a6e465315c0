using GpuSharing.Grains.Hardware.AmdSmi;
using GpuSharing.Grains.Hardware.Catalog;
using GpuSharing.Grains.Hardware.Processes;
using GpuSharing.Grains.Interfaces.Hardware;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GpuSharing.Unit.Tests.AmdSmi;

/// <summary>
/// Per-partition VRAM through the real process path (the FAKE amd-smi executable) in each of the three ways amd-smi
/// reports it — the primary reports the whole device and the others their share; every partition its share (ROCm 7.14
/// CAPPING); every partition the whole device (old tools) — for every family and every valid layout. Whatever the
/// style, a partition has an even share of its GPU's memory, and the GPU its whole memory.
/// </summary>
public sealed class MemoryReportingStyleTests
{
    private const long MiB = 1L << 20;
    private static readonly string[] Styles = ["primary-whole", "shares", "whole"];

    // Every family and every compute mode valid under each memory mode, on one node per memory mode (a node of mixed
    // families is not something a data centre has, but it lets one read of the device cover every layout).
    public static TheoryData<string, string[]> Layouts() => new()
    {
        { "NPS1", ["MI300X:SPX", "MI300X:DPX", "MI300X:QPX", "MI300X:CPX", "MI325X:SPX", "MI325X:DPX", "MI325X:QPX", "MI325X:CPX", "MI350X:SPX", "MI355X:SPX"] },
        { "NPS2", ["MI300X:DPX", "MI325X:DPX", "MI350X:DPX", "MI350X:QPX", "MI350X:CPX", "MI355X:DPX", "MI355X:QPX", "MI355X:CPX"] },
        { "NPS4", ["MI300X:QPX", "MI300X:CPX", "MI325X:QPX", "MI325X:CPX"] },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public async Task Every_style_gives_each_partition_an_even_share_of_the_device(string memory, string[] layouts)
    {
        var gpus = layouts.Select(l => (Family: l.Split(':')[0], Compute: Enum.Parse<ComputeMode>(l.Split(':')[1]))).ToList();
        var seen = new Dictionary<string, long[]>();
        using var device = new FakeAmdSmiDevice("7.14.0", string.Join(',', gpus.Select(g => g.Family)));
        device.SetLayout(memory, [.. gpus.Select(g => g.Compute.ToString())]);
        var backend = Backend(device);
        foreach (var style in Styles)
        {
            device.SetMemoryReporting(style);

            var node = await backend.ReadNodeAsync(TestContext.Current.CancellationToken);

            Assert.Equal(Enum.Parse<MemoryMode>(memory), node.MemoryMode);
            Assert.Equal(gpus.Count, node.Gpus.Count);
            for (var i = 0; i < gpus.Count; i++)
            {
                var (family, compute) = gpus[i];
                var gpu = node.Gpus[i];
                var hbm = GpuCatalog.Find(family)!.HbmBytes;
                var nominal = hbm / (int)compute;
                Assert.Equal((family, compute, (int)compute), (gpu.Model!, gpu.ComputeMode!.Value, gpu.Partitions.Count));
                Assert.InRange(gpu.VramBytes, hbm - (hbm / 1000), hbm);
                Assert.All(gpu.Partitions, p => Assert.InRange(p.VramBytes, nominal - (nominal / 1000), nominal));
                Assert.Single(gpu.Partitions.Select(p => p.VramBytes).Distinct());
            }

            seen[style] = [.. node.Gpus.Select(g => g.Partitions[0].VramBytes)];
        }

        // The style changes nothing: the same device gives the same partitions (MI325X DPX/NPS2: 2 × 128 GiB, not 2 × 64;
        // MI350X CPX/NPS2: 8 × 36 GiB, not 8 × 4.5).
        Assert.Equal(seen["primary-whole"], seen["shares"]);
        Assert.Equal(seen["primary-whole"], seen["whole"]);
    }

    [Fact]
    public async Task MI300X_in_CPX_NPS4_on_amd_smi_25_with_the_old_key_and_unknown_secondary_modes_has_24_GiB_partitions()
    {
        using var device = new FakeAmdSmiDevice("6.4.1", "MI300X:1");
        device.SetLayout("NPS4", "CPX");
        device.SetMemoryReporting("shares");
        device.Set("secondaryModesUnknown", true);

        var gpu = (await Backend(device).ReadNodeAsync(TestContext.Current.CancellationToken)).Gpus[0];

        Assert.Equal((ComputeMode.CPX, MemoryMode.NPS4), (gpu.ComputeMode!.Value, gpu.MemoryMode!.Value));
        Assert.Equal(192L << 30, gpu.VramBytes); // the device, not one share of it
        Assert.Equal(8, gpu.Partitions.Count);
        Assert.All(gpu.Partitions, p => Assert.Equal(24574 * MiB, p.VramBytes)); // not 3 GiB
    }

    [Fact]
    public async Task Render_nodes_and_HIP_ids_are_what_list_e_reports_not_a_numbering_from_128()
    {
        using var device = new FakeAmdSmiDevice("7.0.0", "MI300X:2");
        device.SetLayout("NPS1", "SPX", "DPX");
        // Render minors that neither start at 128 nor run contiguously (another DRM device took some).
        device.Set("renderMinors", new System.Text.Json.Nodes.JsonArray(136, 140, 141));

        var node = await Backend(device).ReadNodeAsync(TestContext.Current.CancellationToken);

        Assert.Contains("list -e --json", device.Invocations);
        Assert.Equal(["/dev/dri/renderD136"], node.Gpus[0].Partitions.Select(p => p.RenderNode));
        Assert.Equal(["/dev/dri/renderD140", "/dev/dri/renderD141"], node.Gpus[1].Partitions.Select(p => p.RenderNode));
        Assert.Equal([1, 2], node.Gpus[1].Partitions.Select(p => p.LogicalIndex!.Value));
    }

    [Fact]
    public async Task Tools_without_list_e_leave_the_render_node_unknown_rather_than_guessed()
    {
        using var device = new FakeAmdSmiDevice("6.3.1", "MI300X:1");

        var gpu = (await Backend(device).ReadNodeAsync(TestContext.Current.CancellationToken)).Gpus[0];

        Assert.Contains("list --json", device.Invocations);
        Assert.DoesNotContain("list -e --json", device.Invocations);
        Assert.Null(Assert.Single(gpu.Partitions).RenderNode);
    }

    private static AmdSmiBackend Backend(FakeAmdSmiDevice device) =>
        new(
            new AmdSmiClient(
                new ProcessRunner(),
                Options.Create(new AmdSmiOptions { Path = FakeAmdSmiDevice.ExecutablePath, Environment = new() { ["FAKE_AMDSMI_STATE"] = device.StatePath } }),
                NullLogger<AmdSmiClient>.Instance),
            TimeProvider.System,
            NullLogger<AmdSmiBackend>.Instance);
}

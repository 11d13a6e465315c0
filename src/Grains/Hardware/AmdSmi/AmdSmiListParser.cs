using System.Globalization;

namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary><c>amd-smi list</c> (with <c>-e</c>: render node and HIP id too) in text or JSON (a bare list in every version).</summary>
public static class AmdSmiListParser
{
    public static IReadOnlyList<AmdSmiLogicalDevice> ParseText(string text) =>
        [.. AmdSmiText.ParseDevices(text)
            .Where(d => d.Kind == "GPU")
            .Select(d => new AmdSmiLogicalDevice(
                d.Index,
                d.Root.ValueAt("BDF"),
                d.Root.ValueAt("UUID"),
                long.TryParse(d.Root.ValueAt("KFD_ID"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var kfd) ? kfd : null,
                AmdSmiQuantity.ParseInt(d.Root.ValueAt("NODE_ID")),
                AmdSmiQuantity.ParseInt(d.Root.ValueAt("PARTITION_ID")),
                d.Root.ValueAt("RENDER"),
                AmdSmiQuantity.ParseInt(d.Root.ValueAt("HIP_ID"))))];

    public static IReadOnlyList<AmdSmiLogicalDevice> ParseJson(string text)
    {
        using var document = AmdSmiJson.ParseDocument(text, "list --json");
        return [.. AmdSmiJson.GpuEntries(document.RootElement, "list --json")
            .Select(e => new AmdSmiLogicalDevice(
                AmdSmiJson.Integer(e, "gpu") ?? throw AmdSmiJson.Unparsable("list --json", "an entry has no gpu index"),
                AmdSmiJson.Text(e, "bdf"),
                AmdSmiJson.Text(e, "uuid"),
                AmdSmiJson.Number(e, "kfd_id") is { } kfd ? (long)kfd : null,
                AmdSmiJson.Integer(e, "node_id"),
                AmdSmiJson.Integer(e, "partition_id"),
                AmdSmiJson.Text(e, "render"),
                AmdSmiJson.Integer(e, "hip_id")))];
    }
}

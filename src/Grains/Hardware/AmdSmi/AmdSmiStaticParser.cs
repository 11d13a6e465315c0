namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>
/// <c>amd-smi static</c> in text or JSON. The partition section's compute key is <c>accelerator_partition</c> from
/// ROCm 6.4.2 and <c>compute_partition</c> before; both are read.
/// </summary>
public static class AmdSmiStaticParser
{
    public static IReadOnlyList<AmdSmiStaticInfo> ParseText(string text) =>
        [.. AmdSmiText.ParseDevices(text)
            .Where(d => d.Kind == "GPU")
            .Select(d => new AmdSmiStaticInfo(
                d.Index,
                d.Root.ValueAt("ASIC", "MARKET_NAME"),
                d.Root.ValueAt("ASIC", "DEVICE_ID"),
                AmdSmiQuantity.ParseInt(d.Root.ValueAt("ASIC", "NUM_COMPUTE_UNITS")),
                d.Root.ValueAt("ASIC", "TARGET_GRAPHICS_VERSION"),
                d.Root.ValueAt("BUS", "BDF"),
                AmdSmiQuantity.ParseBytes(d.Root.ValueAt("VRAM", "SIZE"), "MB"),
                d.Root.ValueAt("VRAM", "TYPE"),
                AmdSmiModes.Compute(d.Root.ValueAt("PARTITION", "ACCELERATOR_PARTITION") ?? d.Root.ValueAt("PARTITION", "COMPUTE_PARTITION")),
                AmdSmiModes.Memory(d.Root.ValueAt("PARTITION", "MEMORY_PARTITION")),
                AmdSmiQuantity.ParseInt(d.Root.ValueAt("PARTITION", "PARTITION_ID"))))];

    public static IReadOnlyList<AmdSmiStaticInfo> ParseJson(string text)
    {
        const string Command = "static --json";
        using var document = AmdSmiJson.ParseDocument(text, Command);
        return [.. AmdSmiJson.GpuEntries(document.RootElement, Command)
            .Select(e => new AmdSmiStaticInfo(
                AmdSmiJson.Integer(e, "gpu") ?? throw AmdSmiJson.Unparsable(Command, "an entry has no gpu index"),
                AmdSmiJson.Text(e, "asic", "market_name"),
                AmdSmiJson.Text(e, "asic", "device_id"),
                AmdSmiJson.Integer(e, "asic", "num_compute_units"),
                AmdSmiJson.Text(e, "asic", "target_graphics_version"),
                AmdSmiJson.Text(e, "bus", "bdf"),
                AmdSmiJson.Bytes(e, "MB", "vram", "size"),
                AmdSmiJson.Text(e, "vram", "type"),
                AmdSmiModes.Compute(AmdSmiJson.Text(e, "partition", "accelerator_partition") ?? AmdSmiJson.Text(e, "partition", "compute_partition")),
                AmdSmiModes.Memory(AmdSmiJson.Text(e, "partition", "memory_partition")),
                AmdSmiJson.Integer(e, "partition", "partition_id")))];
    }
}

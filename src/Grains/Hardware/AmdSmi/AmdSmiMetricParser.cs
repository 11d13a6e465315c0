namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary><c>amd-smi metric</c> in text or JSON (bare list before ROCm 7.0, <c>gpu_data</c> after; unit leaves since 6.1).</summary>
public static class AmdSmiMetricParser
{
    public static IReadOnlyList<AmdSmiMetrics> ParseText(string text) =>
        [.. AmdSmiText.ParseDevices(text)
            .Where(d => d.Kind == "GPU")
            .Select(d => new AmdSmiMetrics(
                d.Index,
                AmdSmiQuantity.ParseNumber(d.Root.ValueAt("USAGE", "GFX_ACTIVITY")),
                AmdSmiQuantity.ParseNumber(d.Root.ValueAt("USAGE", "UMC_ACTIVITY")),
                AmdSmiQuantity.ParseNumber(d.Root.ValueAt("USAGE", "MM_ACTIVITY")),
                AmdSmiQuantity.ParseNumber(d.Root.ValueAt("POWER", "SOCKET_POWER")),
                AmdSmiQuantity.ParseNumber(d.Root.ValueAt("POWER", "GFX_VOLTAGE")),
                AmdSmiQuantity.ParseNumber(d.Root.ValueAt("POWER", "SOC_VOLTAGE")),
                AmdSmiQuantity.ParseNumber(d.Root.ValueAt("POWER", "MEM_VOLTAGE")),
                d.Root.ValueAt("POWER", "POWER_MANAGEMENT"),
                d.Root.ValueAt("POWER", "THROTTLE_STATUS"),
                AmdSmiQuantity.ParseNumber(d.Root.ValueAt("TEMPERATURE", "EDGE")),
                AmdSmiQuantity.ParseNumber(d.Root.ValueAt("TEMPERATURE", "HOTSPOT")),
                AmdSmiQuantity.ParseNumber(d.Root.ValueAt("TEMPERATURE", "MEM")),
                AmdSmiQuantity.ParseBytes(d.Root.ValueAt("MEM_USAGE", "TOTAL_VRAM"), "MB"),
                AmdSmiQuantity.ParseBytes(d.Root.ValueAt("MEM_USAGE", "USED_VRAM"), "MB"),
                GfxBusyText(d.Root.Find("USAGE", "GFX_BUSY_INST"))))];

    public static IReadOnlyList<AmdSmiMetrics> ParseJson(string text)
    {
        const string Command = "metric --json";
        using var document = AmdSmiJson.ParseDocument(text, Command);
        return [.. AmdSmiJson.GpuEntries(document.RootElement, Command)
            .Select(e => new AmdSmiMetrics(
                AmdSmiJson.Integer(e, "gpu") ?? throw AmdSmiJson.Unparsable(Command, "an entry has no gpu index"),
                AmdSmiJson.Number(e, "usage", "gfx_activity"),
                AmdSmiJson.Number(e, "usage", "umc_activity"),
                AmdSmiJson.Number(e, "usage", "mm_activity"),
                AmdSmiJson.Number(e, "power", "socket_power"),
                AmdSmiJson.Number(e, "power", "gfx_voltage"),
                AmdSmiJson.Number(e, "power", "soc_voltage"),
                AmdSmiJson.Number(e, "power", "mem_voltage"),
                AmdSmiJson.Text(e, "power", "power_management"),
                AmdSmiJson.Text(e, "power", "throttle_status"),
                AmdSmiJson.Number(e, "temperature", "edge"),
                AmdSmiJson.Number(e, "temperature", "hotspot"),
                AmdSmiJson.Number(e, "temperature", "mem"),
                AmdSmiJson.Bytes(e, "MB", "mem_usage", "total_vram"),
                AmdSmiJson.Bytes(e, "MB", "mem_usage", "used_vram"),
                GfxBusyJson(e)))];
    }

    // GFX_BUSY_INST: XCP_0: [0 %, N/A, ...] — the first entry is the XCP's own activity.
    private static Dictionary<string, double?> GfxBusyText(AmdSmiTextNode? node) =>
        node?.Children.ToDictionary(
            c => c.Key.ToLowerInvariant(),
            c => AmdSmiQuantity.ParseNumber(c.Value?.Trim('[', ']').Split(',')[0]),
            StringComparer.OrdinalIgnoreCase) ?? [];

    private static Dictionary<string, double?> GfxBusyJson(System.Text.Json.JsonElement gpu)
    {
        var result = new Dictionary<string, double?>(StringComparer.OrdinalIgnoreCase);
        if (AmdSmiJson.Property(gpu, "usage", "gfx_busy_inst") is { ValueKind: System.Text.Json.JsonValueKind.Object } busy)
        {
            foreach (var xcp in busy.EnumerateObject())
            {
                var first = xcp.Value.ValueKind == System.Text.Json.JsonValueKind.Array ? xcp.Value.EnumerateArray().FirstOrDefault() : xcp.Value;
                result[xcp.Name.ToLowerInvariant()] = AmdSmiJson.Quantity(first)?.Value;
            }
        }

        return result;
    }
}

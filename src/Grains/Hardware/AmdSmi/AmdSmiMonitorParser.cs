namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>
/// Reads <c>amd-smi monitor</c> tables (right-aligned columns separated by two or more spaces). The header's columns
/// vary by version and options — amd-smi 27 (ROCm 7.14) puts <c>XCP</c> between <c>GPU</c> and <c>POWER</c>, watch
/// mode puts <c>TIMESTAMP</c> first, the memory column is <c>VRAM_USAGE</c> or <c>GTT_USAGE</c> — so a header is
/// any line with a <c>GPU</c> column and at least one metric column, and cells are read by name.
/// </summary>
public static class AmdSmiMonitorParser
{
    private static readonly string[] MetricColumns = ["POWER", "GPU_T", "GPU_TEMP", "MEM_T", "MEM_TEMP", "VRAM_USAGE", "GTT_USAGE", "VRAM_USED", "VRAM_TOTAL", "GFX%"];

    public static IReadOnlyList<AmdSmiMonitorRow> Parse(string text)
    {
        var rows = new List<AmdSmiMonitorRow>();
        var lines = AmdSmiText.Lines(text);
        for (var i = 0; i < lines.Count; i++)
        {
            var cells = AmdSmiText.SplitCells(lines[i]);
            if (!cells.Contains("GPU") || !cells.Any(MetricColumns.Contains))
            {
                continue;
            }

            var header = lines[i];
            var body = new List<string>();
            while (i + 1 < lines.Count && !string.IsNullOrWhiteSpace(lines[i + 1]) && !AmdSmiText.IsNoise(lines[i + 1]) && char.IsDigit(lines[i + 1].TrimStart().FirstOrDefault()))
            {
                body.Add(lines[++i]);
            }

            foreach (var row in AmdSmiText.ParseTable(header, body))
            {
                if (AmdSmiQuantity.ParseInt(row.GetValueOrDefault("GPU")) is not { } gpu)
                {
                    continue;
                }

                var (used, total) = Usage(row.GetValueOrDefault("VRAM_USAGE") ?? row.GetValueOrDefault("GTT_USAGE"));
                rows.Add(new AmdSmiMonitorRow(
                    gpu,
                    AmdSmiQuantity.ParseInt(row.GetValueOrDefault("XCP")),
                    AmdSmiQuantity.ParseNumber(row.GetValueOrDefault("POWER")),
                    AmdSmiQuantity.ParseNumber(row.GetValueOrDefault("GPU_T") ?? row.GetValueOrDefault("GPU_TEMP")),
                    AmdSmiQuantity.ParseNumber(row.GetValueOrDefault("MEM_T") ?? row.GetValueOrDefault("MEM_TEMP")),
                    used ?? AmdSmiQuantity.ParseBytes(row.GetValueOrDefault("VRAM_USED"), "MB"),
                    total ?? AmdSmiQuantity.ParseBytes(row.GetValueOrDefault("VRAM_TOTAL"), "MB")));
            }
        }

        return rows;
    }

    // "0.3/192.0 GB" and "0.5/ 24.0 GB": used/total sharing one unit.
    private static (long? Used, long? Total) Usage(string? text)
    {
        if (AmdSmiQuantity.IsMissing(text) || text!.IndexOf('/') is not (var slash and > 0))
        {
            return (null, null);
        }

        var total = AmdSmiQuantity.Parse(text[(slash + 1)..]);
        var used = AmdSmiQuantity.ParseNumber(text[..slash]);
        if (total is not { Unit: { } unit } t)
        {
            return (null, null);
        }

        return (used is { } u ? AmdSmiQuantity.ToBytes(u, unit) : null, AmdSmiQuantity.ToBytes(t.Value, unit));
    }
}

namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>Reads <c>amd-smi monitor</c> tables (right-aligned columns separated by two or more spaces).</summary>
public static class AmdSmiMonitorParser
{
    public static IReadOnlyList<AmdSmiMonitorRow> Parse(string text)
    {
        var rows = new List<AmdSmiMonitorRow>();
        var lines = AmdSmiText.Lines(text);
        for (var i = 0; i < lines.Count; i++)
        {
            var cells = AmdSmiText.SplitCells(lines[i]);
            if (cells.Count < 2 || cells[0] != "GPU" || cells[1] != "POWER")
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

                var (used, total) = Usage(row.GetValueOrDefault("VRAM_USAGE"));
                rows.Add(new AmdSmiMonitorRow(
                    gpu,
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

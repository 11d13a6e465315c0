using System.Text;

namespace GpuSharing.Fakes.AmdSmi;

/// <summary>Left-aligned columns padded like amd-smi's partition tables.</summary>
internal static class FakeTable
{
    public static string Format(string[] headers, IEnumerable<string[]> rows)
    {
        var all = rows.ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, all.Count == 0 ? 0 : all.Max(r => i < r.Length ? r[i].Length : 0)) + 2).ToArray();
        var text = new StringBuilder();
        text.AppendLine(Line(headers, widths));
        foreach (var row in all)
        {
            text.AppendLine(Line(row, widths));
        }

        return text.ToString();
    }

    private static string Line(string[] cells, int[] widths) =>
        string.Concat(cells.Select((c, i) => i == cells.Length - 1 ? c : c.PadRight(widths[i]))).TrimEnd();
}

using System.Globalization;
using System.Text.RegularExpressions;

namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>
/// Reads amd-smi's human-readable output: indented <c>KEY: value</c> trees under <c>GPU: N</c> headers, and
/// column tables. It skips what people paste around it (shell prompts, <c>...</c>, <c>[... cut ...]</c>, code fences).
/// </summary>
public static partial class AmdSmiText
{
    public static IReadOnlyList<string> Lines(string text) =>
        text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');

    /// <summary>True for lines that are not tool output: prompts, elisions, fences.</summary>
    public static bool IsNoise(string line)
    {
        var trimmed = line.Trim();
        return trimmed.Length == 0
            || trimmed == "..."
            || trimmed.StartsWith("```", StringComparison.Ordinal)
            || (trimmed.StartsWith('[') && trimmed.Contains("...", StringComparison.Ordinal))
            || PromptLine().IsMatch(trimmed);
    }

    /// <summary>Parses every <c>GPU: N</c> / <c>CPU: N</c> block into a tree by indentation.</summary>
    public static IReadOnlyList<AmdSmiTextDevice> ParseDevices(string text)
    {
        var devices = new List<AmdSmiTextDevice>();
        var stack = new Stack<(int Indent, AmdSmiTextNode Node)>();
        foreach (var raw in Lines(text))
        {
            if (IsNoise(raw))
            {
                continue;
            }

            var indent = raw.Length - raw.TrimStart().Length;
            var line = raw.Trim();
            var header = DeviceHeader().Match(line);
            if (header.Success)
            {
                var root = new AmdSmiTextNode(header.Groups["kind"].Value, header.Groups["index"].Value);
                devices.Add(new AmdSmiTextDevice(header.Groups["kind"].Value, int.Parse(header.Groups["index"].Value, CultureInfo.InvariantCulture), root));
                stack.Clear();
                stack.Push((indent, root));
                continue;
            }

            if (stack.Count == 0)
            {
                continue; // text before the first device (banners, warnings)
            }

            while (stack.Count > 1 && stack.Peek().Indent >= indent)
            {
                stack.Pop();
            }

            var (key, value) = SplitKeyValue(line);
            var node = new AmdSmiTextNode(key, value);
            stack.Peek().Node.Children.Add(node);
            stack.Push((indent, node));
        }

        return devices;
    }

    /// <summary><c>BDF: 0000:23:00.0</c> → (<c>BDF</c>, <c>0000:23:00.0</c>); <c>ASIC:</c> → (<c>ASIC</c>, null); text without a key → (text, null).</summary>
    public static (string Key, string? Value) SplitKeyValue(string line)
    {
        var separator = line.IndexOf(": ", StringComparison.Ordinal);
        if (separator > 0)
        {
            return (line[..separator].Trim(), line[(separator + 2)..].Trim());
        }

        return line.EndsWith(':') ? (line[..^1].Trim(), null) : (line.Trim(), null);
    }

    /// <summary>Splits a table line into cells separated by two or more spaces.</summary>
    public static IReadOnlyList<string> SplitCells(string line) =>
        CellSeparator().Split(line.Trim()).Where(c => c.Length > 0).ToArray();

    /// <summary>
    /// Reads table rows under a header. Cells are split on runs of two or more spaces; a row with another number of
    /// cells (empty leading cells of continuation rows) is cut at the header's column positions instead.
    /// </summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, string>> ParseTable(string headerLine, IEnumerable<string> rowLines)
    {
        var headers = SplitCells(headerLine);
        var starts = ColumnStarts(headerLine);
        var rows = new List<IReadOnlyDictionary<string, string>>();
        foreach (var row in rowLines)
        {
            if (string.IsNullOrWhiteSpace(row))
            {
                continue;
            }

            var cells = SplitCells(row);
            var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (cells.Count == headers.Count)
            {
                for (var i = 0; i < headers.Count; i++)
                {
                    values[headers[i]] = cells[i];
                }
            }
            else
            {
                for (var i = 0; i < headers.Count && i < starts.Count; i++)
                {
                    var from = starts[i];
                    if (from >= row.Length)
                    {
                        break;
                    }

                    var to = i + 1 < starts.Count ? Math.Min(starts[i + 1], row.Length) : row.Length;
                    values[headers[i]] = row[from..to].Trim();
                }
            }

            rows.Add(values);
        }

        return rows;
    }

    private static List<int> ColumnStarts(string headerLine)
    {
        var starts = new List<int>();
        for (var i = 0; i < headerLine.Length; i++)
        {
            if (headerLine[i] != ' ' && (i == 0 || (i >= 2 && headerLine[i - 1] == ' ' && headerLine[i - 2] == ' ') || (i == 1 && headerLine[0] == ' ')))
            {
                starts.Add(i);
            }
        }

        return starts;
    }

    [GeneratedRegex(@"^(?<kind>GPU|CPU):\s*(?<index>\d+)\s*$")]
    private static partial Regex DeviceHeader();

    [GeneratedRegex(@"^(\S+@\S+:\S*\$|~?\$|\S*\$)\s")]
    private static partial Regex PromptLine();

    [GeneratedRegex(@"\s{2,}")]
    private static partial Regex CellSeparator();
}

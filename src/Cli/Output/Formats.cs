using System.Globalization;
using System.Text.Json.Nodes;

namespace GpuSharing.Cli.Output;

/// <summary>Numbers and bars as the tables show them.</summary>
public static class Formats
{
    private const double GiB = 1L << 30;

    /// <summary><c>48.0</c> — bytes as GiB with one decimal.</summary>
    public static string Gib(long bytes) => (bytes / GiB).ToString("0.0", CultureInfo.InvariantCulture);

    /// <summary><c>█████░░░░░ 96.0/192.0 GiB</c>: how much of a partition is reserved, in ten cells.</summary>
    public static string MemoryBar(long used, long total, int cells = 10)
    {
        var filled = total <= 0 ? 0 : (int)Math.Clamp(Math.Round((double)used / total * cells, MidpointRounding.AwayFromZero), used > 0 ? 1 : 0, cells);
        return $"{new string('█', filled)}{new string('░', cells - filled)} {Gib(used)}/{Gib(total)} GiB";
    }

    /// <summary>A share as <c>99.5%</c>, or <c>-</c> when there is none.</summary>
    public static string Percent(JsonNode? share) =>
        share is JsonValue v && v.TryGetValue<double>(out var d) ? (d * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "-";

    /// <summary>A number as it came, or <c>-</c>.</summary>
    public static string Number(JsonNode? value, string format = "0.##") =>
        value is JsonValue v && v.TryGetValue<double>(out var d) ? d.ToString(format, CultureInfo.InvariantCulture) : "-";

    public static string Text(JsonNode? value) => value?.ToString() is { Length: > 0 } text ? text : "-";

    public static long Long(JsonNode? value) => value is JsonValue v && v.TryGetValue<long>(out var l) ? l : 0;
}

using System.Globalization;

namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>
/// Numbers with units as amd-smi prints them: <c>196592 MB</c>, <c>{"value": 10, "unit": "W"}</c>, <c>13 %</c>,
/// <c>N/A</c>. amd-smi computes MB/GB with powers of 1024 (an MI300X's 192 GiB of HBM shows as 196592 MB), so
/// byte units here are binary.
/// </summary>
public static class AmdSmiQuantity
{
    public const string NotAvailable = "N/A";

    public static bool IsMissing(string? text) =>
        string.IsNullOrWhiteSpace(text) || text.Trim().Equals(NotAvailable, StringComparison.OrdinalIgnoreCase);

    /// <summary>Splits <c>"196592 MB"</c> into 196592 and <c>MB</c>; null for <c>N/A</c> or text that is not a number.</summary>
    public static (double Value, string? Unit)? Parse(string? text)
    {
        if (IsMissing(text))
        {
            return null;
        }

        var trimmed = text!.Trim();
        var end = 0;
        while (end < trimmed.Length && (char.IsDigit(trimmed[end]) || trimmed[end] is '.' or '-' or '+'))
        {
            end++;
        }

        if (end == 0 || !double.TryParse(trimmed[..end], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return null;
        }

        var unit = trimmed[end..].Trim();
        return (value, unit.Length == 0 ? null : unit);
    }

    public static double? ParseNumber(string? text) => Parse(text)?.Value;

    public static int? ParseInt(string? text) =>
        !IsMissing(text) && int.TryParse(text!.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>A size in bytes; a number without a unit is taken in <paramref name="defaultUnit"/>.</summary>
    public static long? ParseBytes(string? text, string defaultUnit = "B") =>
        Parse(text) is { } quantity ? ToBytes(quantity.Value, quantity.Unit ?? defaultUnit) : null;

    public static long? ToBytes(double value, string unit)
    {
        var factor = unit.Trim().ToUpperInvariant() switch
        {
            "B" => 1L,
            "KB" or "KIB" => 1L << 10,
            "MB" or "MIB" => 1L << 20,
            "GB" or "GIB" => 1L << 30,
            "TB" or "TIB" => 1L << 40,
            _ => 0L,
        };
        return factor == 0 ? null : (long)Math.Round(value * factor);
    }
}

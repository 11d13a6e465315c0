using System.Globalization;
using System.Text;
using System.Text.Json;
using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>
/// amd-smi's JSON across versions: a bare list before amd-smi 26.0 (ROCm 7.0) and <c>{"gpu_data": [...]}</c> from it
/// on; leaves as bare numbers, <c>{"value", "unit"}</c> (ROCm 6.1+), strings with units, or <c>"N/A"</c>.
/// </summary>
public static class AmdSmiJson
{
    /// <summary>
    /// Parses exactly one JSON document, skipping warning lines printed before it. Several documents back to back
    /// (ROCm 6.3's <c>partition --json</c>) or a cut document are <see cref="DeviceErrorKind.Unparsable"/>.
    /// </summary>
    public static JsonDocument ParseDocument(string text, string command)
    {
        var start = FirstJsonLine(text);
        if (start < 0)
        {
            throw Unparsable(command, "no JSON document in the output");
        }

        var bytes = Encoding.UTF8.GetBytes(text[start..]);
        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
            if (!JsonDocument.TryParseValue(ref reader, out var document))
            {
                throw Unparsable(command, "the JSON document is incomplete");
            }

            var rest = Encoding.UTF8.GetString(bytes, (int)reader.BytesConsumed, bytes.Length - (int)reader.BytesConsumed);
            if (!string.IsNullOrWhiteSpace(rest))
            {
                document.Dispose();
                throw Unparsable(command, "more than one JSON document in the output");
            }

            return document;
        }
        catch (JsonException ex)
        {
            throw Unparsable(command, $"invalid JSON at line {ex.LineNumber + 1}: {ex.Message}", ex);
        }
    }

    /// <summary>The per-GPU entries of a bare list or of the <c>gpu_data</c> envelope.</summary>
    public static IReadOnlyList<JsonElement> GpuEntries(JsonElement root, string command) => root.ValueKind switch
    {
        JsonValueKind.Array => [.. root.EnumerateArray()],
        JsonValueKind.Object when root.TryGetProperty("gpu_data", out var data) && data.ValueKind == JsonValueKind.Array => [.. data.EnumerateArray()],
        _ => throw Unparsable(command, "expected a list of GPUs or a {\"gpu_data\": [...]} object"),
    };

    public static JsonElement? Property(JsonElement element, params string[] path)
    {
        var current = element;
        foreach (var name in path)
        {
            if (current.ValueKind != JsonValueKind.Object || !TryGetPropertyIgnoreCase(current, name, out current))
            {
                return null;
            }
        }

        return current;
    }

    /// <summary>A leaf as a number with its unit; null for N/A, empty strings and non-numbers.</summary>
    public static (double Value, string? Unit)? Quantity(JsonElement? element)
    {
        if (element is not { } value)
        {
            return null;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Number:
                return (value.GetDouble(), null);
            case JsonValueKind.String:
                return AmdSmiQuantity.Parse(value.GetString());
            case JsonValueKind.Object:
                var inner = Property(value, "value");
                var unit = Property(value, "unit") is { ValueKind: JsonValueKind.String } u ? u.GetString() : null;
                return Quantity(inner) is { } q ? (q.Value, unit ?? q.Unit) : null;
            default:
                return null;
        }
    }

    public static double? Number(JsonElement element, params string[] path) => Quantity(Property(element, path))?.Value;

    public static int? Integer(JsonElement element, params string[] path) =>
        Number(element, path) is { } n && n == Math.Floor(n) && n is >= int.MinValue and <= int.MaxValue ? (int)n : null;

    public static long? Bytes(JsonElement element, string defaultUnit, params string[] path) =>
        Quantity(Property(element, path)) is { } q ? AmdSmiQuantity.ToBytes(q.Value, q.Unit ?? defaultUnit) : null;

    /// <summary>A leaf as text; null for N/A and empty strings. Numbers are formatted invariantly.</summary>
    public static string? Text(JsonElement element, params string[] path)
    {
        if (Property(element, path) is not { } value)
        {
            return null;
        }

        var text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetDouble().ToString(CultureInfo.InvariantCulture),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        };
        return AmdSmiQuantity.IsMissing(text) ? null : text!.Trim();
    }

    public static IEnumerable<JsonElement> Array(JsonElement element, params string[] path) =>
        Property(element, path) is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray() : [];

    public static GpuDeviceException Unparsable(string command, string reason, Exception? inner = null)
    {
        var error = new DeviceError(DeviceErrorKind.Unparsable, null, $"Could not read the output of 'amd-smi {command}': {reason}.");
        return inner is null ? new GpuDeviceException(error) : new GpuDeviceException(error, inner);
    }

    private static int FirstJsonLine(string text)
    {
        var offset = 0;
        foreach (var line in text.Split('\n'))
        {
            var trimmed = line.TrimStart();
            if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
            {
                return offset + (line.Length - trimmed.Length);
            }

            offset += line.Length + 1;
        }

        return -1;
    }

    private static bool TryGetPropertyIgnoreCase(JsonElement element, string name, out JsonElement value)
    {
        if (element.TryGetProperty(name, out value))
        {
            return true;
        }

        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }

        value = default;
        return false;
    }
}

using System.Text.Json;

namespace GpuSharing.Gateway.Http;

/// <summary>
/// Reads one JSON object field by field, strictly: exact property names, no unknown or repeated ones, the right JSON
/// types. Errors are collected under their JSON path (<c>deployments[2].priority</c>) for a validation problem.
/// </summary>
public sealed class JsonFields
{
    private readonly JsonElement _object;
    private readonly string _prefix;
    private readonly Dictionary<string, string[]> _errors;

    public JsonFields(JsonElement element, string prefix, Dictionary<string, string[]> errors, IReadOnlyCollection<string> allowed)
    {
        _object = element;
        _prefix = prefix;
        _errors = errors;
        if (element.ValueKind != JsonValueKind.Object)
        {
            Error(string.Empty, $"A JSON object is expected, not {Describe(element.ValueKind)}.");
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (!allowed.Contains(property.Name))
            {
                // An unknown name is echoed, but never more than a line of it (a 60 KB name must not come back twice).
                var near = allowed.FirstOrDefault(a => a.Equals(property.Name, StringComparison.OrdinalIgnoreCase));
                var shown = Echo(property.Name);
                Error(shown, $"Unknown property '{shown}'; allowed: {string.Join(", ", allowed)}.{(near is null ? string.Empty : $" Did you mean '{near}'?")}");
            }
            else if (!seen.Add(property.Name))
            {
                Error(property.Name, $"'{property.Name}' is given more than once.");
            }
        }
    }

    public bool IsObject => _object.ValueKind == JsonValueKind.Object;

    /// <summary>At most 64 characters of what the caller sent, control characters shown as escapes.</summary>
    public static string Echo(string text)
    {
        var cut = text.Length <= 64 ? text : text[..64] + "…";
        return string.Concat(cut.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
    }

    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.String => "a string",
        JsonValueKind.Null => "null",
        _ => kind.ToString().ToLowerInvariant(),
    };

    public JsonElement? Element(string name) =>
        IsObject && _object.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public string? String(string name, bool required = false, int maxLength = 512)
    {
        if (Element(name) is not { } value)
        {
            return Missing<string>(name, required, "a string");
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            return Wrong<string>(name, "a string", value);
        }

        var text = value.GetString()!;
        if (text.Length == 0 || text.Length > maxLength)
        {
            Error(name, $"'{name}' must be 1 to {maxLength} characters.");
            return null;
        }

        return text;
    }

    public long? Integer(string name, long min, long max, bool required = false)
    {
        if (Element(name) is not { } value)
        {
            return Missing<long?>(name, required, "an integer");
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number))
        {
            return Wrong<long?>(name, "an integer", value);
        }

        if (number < min || number > max)
        {
            Error(name, $"'{name}' must be from {min} to {max}; got {number}.");
            return null;
        }

        return number;
    }

    public double? Number(string name, double min, double max, bool required = false)
    {
        if (Element(name) is not { } value)
        {
            return Missing<double?>(name, required, "a number");
        }

        if (value.ValueKind != JsonValueKind.Number)
        {
            return Wrong<double?>(name, "a number", value);
        }

        var number = value.GetDouble();
        if (double.IsNaN(number) || number < min || number > max)
        {
            Error(name, $"'{name}' must be from {min} to {max}; got {number}.");
            return null;
        }

        return number;
    }

    public bool? Boolean(string name)
    {
        if (Element(name) is not { } value)
        {
            return null;
        }

        return value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : Wrong<bool?>(name, "a boolean", value);
    }

    /// <summary>A string that must be one of the <paramref name="choices"/>' names exactly (the contract's <c>WireNames</c>).</summary>
    public T? Choice<T>(string name, IReadOnlyList<(string Name, T Value)> choices, bool required = false)
        where T : struct
    {
        if (String(name, required, 64) is not { } text)
        {
            return null;
        }

        foreach (var (choice, value) in choices)
        {
            if (string.Equals(choice, text, StringComparison.Ordinal))
            {
                return value;
            }
        }

        var names = choices.Select(c => c.Name).ToList();

        var near = names.FirstOrDefault(n => n.Equals(text, StringComparison.OrdinalIgnoreCase));
        Error(name, $"'{Echo(text)}' is not a valid {name}; use one of {string.Join(", ", names)}.{(near is null ? string.Empty : $" Did you mean '{near}'?")}");
        return null;
    }

    public void Error(string name, string message)
    {
        var key = string.IsNullOrEmpty(name) ? (_prefix.Length == 0 ? "$" : _prefix) : _prefix.Length == 0 ? name : $"{_prefix}.{name}";
        _errors[key] = [.. _errors.GetValueOrDefault(key) ?? [], message];
    }

    private T? Missing<T>(string name, bool required, string what)
    {
        if (required)
        {
            Error(name, $"'{name}' is required: {what}.");
        }

        return default;
    }

    private T? Wrong<T>(string name, string what, JsonElement value)
    {
        Error(name, $"'{name}' must be {what}, not {Describe(value.ValueKind)}.");
        return default;
    }
}

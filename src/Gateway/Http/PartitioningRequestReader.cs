using System.Text.Json;
using GpuSharing.Grains.Interfaces.Gpus;
using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Gateway.Http;

/// <summary>
/// <c>{ "computeMode": "CPX", "memoryMode": "NPS4" }</c>, read strictly like the Kubernetes API reads objects:
/// property names are case-sensitive, unknown or repeated properties are errors, modes are the exact upper-case names.
/// </summary>
public static class PartitioningRequestReader
{
    private static readonly string[] Properties = ["computeMode", "memoryMode"];

    public static PartitioningRequest? Read(JsonElement body, out Dictionary<string, string[]> errors)
    {
        errors = [];
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors["$"] = [$"A JSON object is expected, not {Describe(body.ValueKind)}."];
            return null;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in body.EnumerateObject())
        {
            if (!Properties.Contains(property.Name, StringComparer.Ordinal))
            {
                var hint = Properties.FirstOrDefault(p => p.Equals(property.Name, StringComparison.OrdinalIgnoreCase)) is { } near ? $" Did you mean '{near}'?" : string.Empty;
                errors[property.Name] = [$"Unknown property '{property.Name}'; allowed: {string.Join(", ", Properties)}.{hint}"];
            }
            else if (!seen.Add(property.Name))
            {
                errors[property.Name] = [$"'{property.Name}' is given more than once."];
            }
        }

        var compute = Mode<ComputeMode>(body, "computeMode", required: true, errors);
        var memory = Mode<MemoryMode>(body, "memoryMode", required: false, errors);
        return errors.Count == 0 && compute is { } c ? new PartitioningRequest(c, memory) : null;
    }

    private static T? Mode<T>(JsonElement body, string name, bool required, Dictionary<string, string[]> errors)
        where T : struct, Enum
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                errors[name] = [$"'{name}' is required: one of {string.Join(", ", Names<T>())}."];
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors[name] = [$"'{name}' must be a string, one of {string.Join(", ", Names<T>())}; got {Describe(value.ValueKind)}."];
            return null;
        }

        var text = value.GetString()!;
        if (Names<T>().Contains(text, StringComparer.Ordinal))
        {
            return Enum.Parse<T>(text);
        }

        var hint = Names<T>().FirstOrDefault(n => n.Equals(text, StringComparison.OrdinalIgnoreCase)) is { } near ? $" Modes are upper case: did you mean '{near}'?" : string.Empty;
        errors[name] = [$"'{(text.Length > 32 ? text[..32] + "…" : text)}' is not a {name}; use one of {string.Join(", ", Names<T>())}.{hint}"];
        return null;
    }

    private static string[] Names<T>()
        where T : struct, Enum => Enum.GetNames<T>();

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.String => "a string",
        JsonValueKind.Null => "null",
        _ => kind.ToString().ToLowerInvariant(),
    };
}

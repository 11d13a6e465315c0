using System.Text.Json.Nodes;

namespace GpuSharing.KServe.Tests;

/// <summary>
/// Validates an object against a CRD's structural OpenAPI v3 schema the way the API server does with strict field
/// validation: types, required fields, enums, and no field the schema does not know (unless it preserves unknown
/// fields or declares additionalProperties). <c>metadata</c> is the API server's, not the schema's.
/// </summary>
public static class CrdSchemaValidator
{
    public static JsonObject SchemaOf(JsonObject crd, string version) =>
        (JsonObject)crd["spec"]!["versions"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == version)!["schema"]!["openAPIV3Schema"]!;

    public static List<string> Validate(JsonObject document, JsonObject crd)
    {
        var errors = new List<string>();
        var group = crd["spec"]!["group"]!.GetValue<string>();
        var kind = crd["spec"]!["names"]!["kind"]!.GetValue<string>();
        var apiVersion = document["apiVersion"]?.GetValue<string>() ?? string.Empty;
        if (!apiVersion.StartsWith(group + "/", StringComparison.Ordinal) || document["kind"]?.GetValue<string>() != kind)
        {
            errors.Add($"apiVersion/kind {apiVersion}/{document["kind"]} is not {group}/*/{kind}");
            return errors;
        }

        var schema = SchemaOf(crd, apiVersion[(group.Length + 1)..]);

        // Judged as the API server gets it, on the wire (a number built in code is one whatever its .NET type).
        var withoutMetadata = (JsonObject)JsonNode.Parse(document.ToJsonString())!;
        withoutMetadata.Remove("metadata");
        Check(withoutMetadata, schema, string.Empty, errors);
        return errors;
    }

    private static void Check(JsonNode? value, JsonObject schema, string path, List<string> errors)
    {
        if (value is null)
        {
            if (schema["nullable"]?.GetValue<bool>() != true)
            {
                errors.Add($"{path}: null is not allowed");
            }

            return;
        }

        if (schema["x-kubernetes-int-or-string"]?.GetValue<bool>() == true)
        {
            if (value is not JsonValue v || !(v.TryGetValue<long>(out _) || v.TryGetValue<string>(out _)))
            {
                errors.Add($"{path}: must be an integer or a string");
            }

            return;
        }

        switch (schema["type"]?.GetValue<string>())
        {
            case "object":
                CheckObject(value, schema, path, errors);
                break;
            case "array" when value is JsonArray array:
                if (schema["items"] is JsonObject items)
                {
                    for (var i = 0; i < array.Count; i++)
                    {
                        Check(array[i], items, $"{path}[{i}]", errors);
                    }
                }

                break;
            case "array":
                errors.Add($"{path}: must be an array");
                break;
            case "string" when value is JsonValue s && s.TryGetValue<string>(out var text):
                if (schema["enum"] is JsonArray choices && !choices.Any(c => c?.GetValue<string>() == text))
                {
                    errors.Add($"{path}: '{text}' is not one of {choices.ToJsonString()}");
                }

                break;
            case "string":
                errors.Add($"{path}: must be a string");
                break;
            case "integer" when value is JsonValue i && i.TryGetValue<long>(out _):
                break;
            case "integer":
                errors.Add($"{path}: must be an integer");
                break;
            case "number" when value is JsonValue n && (n.TryGetValue<double>(out _) || n.TryGetValue<long>(out _)):
                break;
            case "number":
                errors.Add($"{path}: must be a number");
                break;
            case "boolean" when value is JsonValue b && b.TryGetValue<bool>(out _):
                break;
            case "boolean":
                errors.Add($"{path}: must be a boolean");
                break;
        }
    }

    private static void CheckObject(JsonNode value, JsonObject schema, string path, List<string> errors)
    {
        if (value is not JsonObject obj)
        {
            errors.Add($"{path}: must be an object");
            return;
        }

        var properties = schema["properties"] as JsonObject;
        foreach (var required in (schema["required"] as JsonArray ?? []).Select(r => r!.GetValue<string>()))
        {
            if (!obj.ContainsKey(required))
            {
                errors.Add($"{path}.{required}: required");
            }
        }

        var preserves = schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true;
        foreach (var (name, child) in obj)
        {
            if (properties?[name] is JsonObject known)
            {
                Check(child, known, $"{path}.{name}", errors);
            }
            else if (schema["additionalProperties"] is JsonObject additional)
            {
                Check(child, additional, $"{path}.{name}", errors);
            }
            else if (!preserves && schema["additionalProperties"] is null)
            {
                errors.Add($"{path}.{name}: unknown field");
            }
        }
    }
}

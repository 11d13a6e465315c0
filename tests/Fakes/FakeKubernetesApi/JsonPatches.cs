using System.Text.Json.Nodes;

namespace GpuSharing.Fakes.Kubernetes;

/// <summary>JSON merge patch (RFC 7386) and JSON patch (RFC 6902: add, remove, replace, test) as the API server applies them.</summary>
public static class JsonPatches
{
    public static JsonObject ApplyMerge(JsonObject target, JsonObject patch)
    {
        foreach (var (name, value) in patch)
        {
            if (value is null)
            {
                target.Remove(name);
            }
            else if (value is JsonObject inner)
            {
                var existing = target[name] as JsonObject ?? new JsonObject();
                target[name] = ApplyMerge((JsonObject)existing.DeepClone(), inner);
            }
            else
            {
                target[name] = value.DeepClone();
            }
        }

        return target;
    }

    public static JsonObject ApplyJsonPatch(JsonObject target, JsonArray operations)
    {
        foreach (var operation in operations.OfType<JsonObject>())
        {
            var op = operation["op"]?.GetValue<string>() ?? throw Invalid("an operation has no 'op'");
            var path = operation["path"]?.GetValue<string>() ?? throw Invalid("an operation has no 'path'");
            var segments = path.Split('/').Skip(1).Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();
            if (segments.Count == 0)
            {
                throw Invalid("the whole document cannot be patched");
            }

            var parent = Navigate(target, segments.Take(segments.Count - 1), create: op == "add");
            var last = segments[^1];
            switch (op)
            {
                case "add":
                    Add(parent, last, operation["value"]?.DeepClone());
                    break;
                case "replace":
                    Remove(parent, last, path);
                    Add(parent, last, operation["value"]?.DeepClone());
                    break;
                case "remove":
                    Remove(parent, last, path);
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Child(parent, last), operation["value"]))
                    {
                        throw new FakeApiException(422, "Invalid", $"the test operation on {path} failed");
                    }

                    break;
                default:
                    throw Invalid($"unsupported operation '{op}'");
            }
        }

        return target;
    }

    private static JsonNode Navigate(JsonNode node, IEnumerable<string> segments, bool create)
    {
        foreach (var segment in segments)
        {
            var next = Child(node, segment);
            if (next is null && create && node is JsonObject parent)
            {
                next = new JsonObject();
                parent[segment] = next;
            }

            node = next ?? throw Invalid($"the path segment '{segment}' does not exist");
        }

        return node;
    }

    private static JsonNode? Child(JsonNode node, string segment) => node switch
    {
        JsonObject obj => obj[segment],
        JsonArray array when int.TryParse(segment, out var index) && index >= 0 && index < array.Count => array[index],
        _ => null,
    };

    private static void Add(JsonNode parent, string segment, JsonNode? value)
    {
        switch (parent)
        {
            case JsonObject obj:
                obj[segment] = value;
                break;
            case JsonArray array when segment == "-":
                array.Add(value);
                break;
            case JsonArray array when int.TryParse(segment, out var index) && index >= 0 && index <= array.Count:
                array.Insert(index, value);
                break;
            default:
                throw Invalid($"cannot add at '{segment}'");
        }
    }

    private static void Remove(JsonNode parent, string segment, string path)
    {
        switch (parent)
        {
            case JsonObject obj when obj.ContainsKey(segment):
                obj.Remove(segment);
                break;
            case JsonArray array when int.TryParse(segment, out var index) && index >= 0 && index < array.Count:
                array.RemoveAt(index);
                break;
            default:
                throw Invalid($"the path {path} does not exist");
        }
    }

    private static FakeApiException Invalid(string message) => new(422, "Invalid", message);
}

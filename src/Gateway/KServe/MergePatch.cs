using System.Text.Json.Nodes;

namespace GpuSharing.Gateway.KServe;

/// <summary>
/// Builds a JSON merge patch (RFC 7386) that turns one document into another: changed and new members as they are
/// desired, removed members as <c>null</c>, arrays whole. Nothing changed: no patch, so a resync writes nothing.
/// </summary>
public static class MergePatch
{
    public static JsonObject? Diff(JsonObject current, JsonObject desired) =>
        DiffNode(current, desired, out var patch) ? (JsonObject)patch! : null;

    private static bool DiffNode(JsonNode? current, JsonNode? desired, out JsonNode? patch)
    {
        if (current is JsonObject currentObject && desired is JsonObject desiredObject)
        {
            var result = new JsonObject();
            foreach (var (name, value) in desiredObject)
            {
                if (!currentObject.TryGetPropertyValue(name, out var before))
                {
                    result[name] = value?.DeepClone();
                }
                else if (DiffNode(before, value, out var inner))
                {
                    result[name] = inner;
                }
            }

            foreach (var (name, _) in currentObject)
            {
                if (!desiredObject.ContainsKey(name))
                {
                    result[name] = null;
                }
            }

            patch = result;
            return result.Count > 0;
        }

        patch = desired?.DeepClone();
        return !JsonNode.DeepEquals(current, desired);
    }
}

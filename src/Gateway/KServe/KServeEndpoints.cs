using System.Globalization;
using System.Text.Json.Nodes;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Serving;

namespace GpuSharing.Gateway.KServe;

/// <summary>
/// Where KServe serves the objects the watcher placed: the status address (<c>status.address.url</c>, else
/// <c>status.url</c>) of each one KServe reports Ready, under the name its model server knows, with the priority and
/// sequence limit of its placement record.
/// </summary>
public static class KServeEndpoints
{
    public const string Reporter = EndpointSources.KServe;

    public static IReadOnlyList<ReplicaEndpoint> From(IEnumerable<InferenceService> services) =>
        [.. services
            .Select(From)
            .Where(e => e is not null)
            .Select(e => e!)
            .OrderBy(e => e.Deployment, StringComparer.Ordinal)];

    private static ReplicaEndpoint? From(InferenceService service)
    {
        if (service.Annotation(SharingAnnotations.Placement) is not { } recorded || !Ready(service.Status) || Address(service.Status) is not { } url)
        {
            return null;
        }

        JsonNode? record;
        try
        {
            record = JsonNode.Parse(recorded);
        }
        catch (System.Text.Json.JsonException)
        {
            return null; // not a record the watcher wrote: no endpoint rather than a wrong one
        }

        var priority = WireNames.Priorities.FirstOrDefault(p => p.Name == record?["priority"]?.GetValue<string>()).Value;
        var arguments = (record?["vllmArgs"] as JsonArray)?.Select(a => a?.GetValue<string>() ?? string.Empty).ToList() ?? [];
        var sequences = Flag(arguments, VllmFlags.MaxNumSeqs) is { } n && int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : 1;

        // One address spreads requests over every placed replica's pod (KServe's Service): its capacity is all of theirs.
        var replicas = Math.Max(1, (record?["replicas"] as JsonArray)?.Count ?? 1);
        return new ReplicaEndpoint(service.Key, 0, string.Empty, url, ServedName(service), priority, sequences * replicas, Reporter);
    }

    /// <summary>
    /// The name the model server knows: an LLMInferenceService's <c>spec.model.name</c> (KServe passes it to
    /// <c>--served-model-name</c>), else its name; a predictor's <c>--served-model-name</c>, else the object's name.
    /// </summary>
    private static string ServedName(InferenceService service)
    {
        if (service.ResourceKind.IsLlm)
        {
            return service.Spec?["model"]?["name"] is JsonValue name && name.TryGetValue<string>(out var text) && text.Length > 0 ? text : service.Metadata.Name;
        }

        var predictorArguments = (service.Spec?["predictor"]?["model"]?["args"] as JsonArray)?.Select(a => a?.GetValue<string>() ?? string.Empty).ToList() ?? [];
        return Flag(predictorArguments, "--served-model-name") ?? service.Metadata.Name;
    }

    private static bool Ready(JsonObject? status) =>
        status?["conditions"] is JsonArray conditions
        && conditions.Any(c => c?["type"]?.GetValue<string>() == "Ready" && c["status"]?.GetValue<string>() == "True");

    private static string? Address(JsonObject? status)
    {
        var text = status?["address"]?["url"]?.GetValue<string>() ?? status?["url"]?.GetValue<string>();
        return text is not null && Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri.GetLeftPart(UriPartial.Path).TrimEnd('/')
            : null;
    }

    /// <summary>A flag's value, spelled <c>--flag=value</c> or <c>--flag value</c>.</summary>
    private static string? Flag(IReadOnlyList<string> arguments, string flag)
    {
        for (var i = 0; i < arguments.Count; i++)
        {
            if (arguments[i].StartsWith(flag + "=", StringComparison.Ordinal))
            {
                return arguments[i][(flag.Length + 1)..];
            }

            if (arguments[i] == flag && i + 1 < arguments.Count)
            {
                return arguments[i + 1];
            }
        }

        return null;
    }
}

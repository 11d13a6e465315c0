using System.Globalization;
using System.Text.Json.Nodes;

namespace GpuSharing.Gateway.KServe;

/// <summary>
/// The pod-level parts of a binding, the same in an InferenceService's predictor and an LLMInferenceService's template:
/// the nodes, the reservation gate, the device resource or shared claim, and the environment.
/// </summary>
public static class PodTemplateBinding
{
    /// <summary>
    /// Pods of an autoscaled object are born gated: none is scheduled until the watcher has a reservation for it and
    /// lifts its gate (choosing its node then), so the autoscaler can never run more pods than there are reservations.
    /// </summary>
    public static void SetSchedulingGate(JsonObject podSpec, bool gated)
    {
        var gates = (podSpec["schedulingGates"] as JsonArray)?.Where(g => Text(g?["name"]) != PredictorWriteBack.ReservationGate).Select(g => g?.DeepClone()).ToList() ?? [];
        if (gated)
        {
            gates.Add(new JsonObject { ["name"] = PredictorWriteBack.ReservationGate });
        }

        if (gates.Count == 0)
        {
            podSpec.Remove("schedulingGates");
        }
        else
        {
            podSpec["schedulingGates"] = new JsonArray([.. gates]);
        }
    }

    public static void PlaceOnNodes(JsonObject predictor, PredictorBinding binding)
    {
        var nodes = binding.Gated ? [] : binding.Nodes;
        var selector = predictor["nodeSelector"] as JsonObject ?? new JsonObject();
        if (nodes.Count == 0)
        {
            // Gated pods get their node one by one as their gates are lifted: a node list in the template would roll
            // every pod out each time a replica lands on a new node.
            selector.Remove(PredictorWriteBack.HostnameLabel);
            if (selector.Count == 0)
            {
                predictor.Remove("nodeSelector");
            }

            if (predictor["affinity"]?["nodeAffinity"] is JsonObject ours && IsHostnameAffinity(ours["requiredDuringSchedulingIgnoredDuringExecution"]))
            {
                ours.Remove("requiredDuringSchedulingIgnoredDuringExecution");
            }

            return;
        }

        if (nodes.Count == 1)
        {
            selector[PredictorWriteBack.HostnameLabel] = nodes[0];
            predictor["nodeSelector"] = selector;
            return;
        }

        // Replicas on several nodes: one pod template, so a node affinity over those nodes; the device plugin or the
        // scheduler gives each pod a free partition of the reserved kind there.
        selector.Remove(PredictorWriteBack.HostnameLabel);
        if (selector.Count == 0)
        {
            predictor.Remove("nodeSelector");
        }

        var affinity = predictor["affinity"] as JsonObject ?? new JsonObject();
        var nodeAffinity = affinity["nodeAffinity"] as JsonObject ?? new JsonObject();
        nodeAffinity["requiredDuringSchedulingIgnoredDuringExecution"] = new JsonObject
        {
            ["nodeSelectorTerms"] = new JsonArray(new JsonObject
            {
                ["matchExpressions"] = new JsonArray(new JsonObject
                {
                    ["key"] = PredictorWriteBack.HostnameLabel,
                    ["operator"] = "In",
                    ["values"] = new JsonArray([.. nodes.Select(n => (JsonNode)n)]),
                }),
            }),
        };
        affinity["nodeAffinity"] = nodeAffinity;
        predictor["affinity"] = affinity;
    }

    private static bool IsHostnameAffinity(JsonNode? required) =>
        required?["nodeSelectorTerms"] is JsonArray { Count: 1 } terms
        && terms[0]?["matchExpressions"] is JsonArray { Count: 1 } expressions
        && Text(expressions[0]?["key"]) == PredictorWriteBack.HostnameLabel
        && Text(expressions[0]?["operator"]) == "In";

    public static void SetResources(JsonObject container, JsonObject predictor, PredictorBinding binding)
    {
        var resources = container["resources"] as JsonObject ?? new JsonObject();
        foreach (var kind in new[] { "limits", "requests" })
        {
            var quantities = resources[kind] as JsonObject ?? new JsonObject();
            foreach (var name in quantities.Select(q => q.Key).Where(IsGpuResource).ToList())
            {
                quantities.Remove(name);
            }

            if (binding.ResourceName is { } resource)
            {
                quantities[resource] = binding.ResourceCount.ToString(CultureInfo.InvariantCulture);
            }

            resources[kind] = quantities;
            if (quantities.Count == 0)
            {
                resources.Remove(kind);
            }
        }

        SetClaimReference(resources, "claims", binding.ClaimName is null ? null : new JsonObject { ["name"] = PredictorWriteBack.ClaimReference });
        SetClaimReference(predictor, "resourceClaims", binding.ClaimName is { } claim ? new JsonObject { ["name"] = PredictorWriteBack.ClaimReference, ["resourceClaimName"] = claim } : null);
        container["resources"] = resources;
        if (resources.Count == 0)
        {
            container.Remove("resources");
        }
    }

    private static void SetClaimReference(JsonObject owner, string property, JsonObject? entry)
    {
        var list = (owner[property] as JsonArray)?.Where(e => Text(e?["name"]) != PredictorWriteBack.ClaimReference).Select(e => e?.DeepClone()).ToList() ?? [];
        if (entry is not null)
        {
            list.Add(entry);
        }

        if (list.Count == 0)
        {
            owner.Remove(property);
        }
        else
        {
            owner[property] = new JsonArray([.. list]);
        }
    }

    public static void SetEnvironment(JsonObject container, IReadOnlyDictionary<string, string> environment)
    {
        if (environment.Count == 0 && container["env"] is null)
        {
            return;
        }

        var entries = (container["env"] as JsonArray)?.Where(e => Text(e?["name"]) is not { } name || !environment.ContainsKey(name)).Select(e => e?.DeepClone()).ToList() ?? [];
        entries.AddRange(environment.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => (JsonNode)new JsonObject { ["name"] = e.Key, ["value"] = e.Value }));
        if (entries.Count == 0)
        {
            container.Remove("env");
        }
        else
        {
            container["env"] = new JsonArray([.. entries]);
        }
    }

    private static bool IsGpuResource(string name) =>
        name == "nvidia.com/gpu" || name.StartsWith("nvidia.com/mig-", StringComparison.Ordinal) || name.StartsWith("amd.com/", StringComparison.Ordinal);

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}

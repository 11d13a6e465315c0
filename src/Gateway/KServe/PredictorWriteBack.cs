using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GpuSharing.Grains.Interfaces.Models;
using k8s;

namespace GpuSharing.Gateway.KServe;

/// <summary>
/// Turns a <see cref="WriteBack"/> into the merge patch for an InferenceService: the object as it should be, compared
/// with the object as it is. Only the annotations, finalizers and predictor fields the watcher owns change; the owner's
/// other arguments, resources and selectors stay. The patch carries the object's resourceVersion, so it applies only to
/// the version it was computed from (409 otherwise).
/// </summary>
public static class PredictorWriteBack
{
    public const string ClaimReference = "gpu-sharing";
    public const string HostnameLabel = "kubernetes.io/hostname";

    /// <summary>vLLM flags the watcher sets from sizing; the owner's values for them are replaced.</summary>
    private static readonly IReadOnlyList<string> ManagedFlags = VllmFlags.Owned;

    /// <summary>Arguments of KServe's huggingfaceserver that the vLLM runtime does not take; rewritten when the watcher chooses the runtime.</summary>
    private static readonly Dictionary<string, string?> HuggingFaceServerFlags = new(StringComparer.Ordinal)
    {
        ["--model_name"] = "--served-model-name",
        ["--model_id"] = "--model",
        ["--backend"] = null,
        ["--model_dir"] = null,
    };

    public static JsonObject? Patch(InferenceService service, WriteBack desired, KServeOptions options)
    {
        var current = (JsonObject)JsonNode.Parse(KubernetesJson.Serialize(service))!;
        var target = (JsonObject)current.DeepClone();
        var metadata = (JsonObject)target["metadata"]!;
        var annotations = metadata["annotations"] as JsonObject ?? new JsonObject();
        metadata["annotations"] = annotations;

        annotations[SharingAnnotations.PlacementStatus] = desired.Status;
        if (desired.Placement is { } placement)
        {
            annotations[SharingAnnotations.Placement] = placement;
        }

        if (desired.Stop)
        {
            if (Text(annotations[SharingAnnotations.KServeStop]) != "true")
            {
                annotations[SharingAnnotations.KServeStop] = "true";
                annotations[SharingAnnotations.StoppedByWatcher] = "true";
            }
        }
        else if (Text(annotations[SharingAnnotations.StoppedByWatcher]) == "true")
        {
            // Only a stop the watcher set is lifted; the owner's own stop stays.
            annotations.Remove(SharingAnnotations.KServeStop);
            annotations.Remove(SharingAnnotations.StoppedByWatcher);
        }

        SetFinalizer(metadata, desired.HoldFinalizer);
        if (desired.Binding is { } binding && target["spec"]?["predictor"] is JsonObject predictor)
        {
            Bind(predictor, annotations, binding, options);
        }

        var patch = MergePatch.Diff(Comparable(current), Comparable(target));
        if (patch is null)
        {
            return null;
        }

        var patchMetadata = patch["metadata"] as JsonObject ?? new JsonObject();
        patch["metadata"] = patchMetadata;
        patchMetadata["resourceVersion"] = service.Metadata.ResourceVersion;
        return patch;
    }

    /// <summary>The vLLM arguments of a binding in the <c>--flag=value</c> form, without <c>--model</c> (the runtime names the model's files).</summary>
    public static IReadOnlyList<string> ManagedArguments(IReadOnlyList<string> vllmArguments)
    {
        var result = new List<string>();
        for (var i = 0; i < vllmArguments.Count; i++)
        {
            var flag = vllmArguments[i];
            var value = i + 1 < vllmArguments.Count && !vllmArguments[i + 1].StartsWith("--", StringComparison.Ordinal) ? vllmArguments[++i] : null;
            if (flag != "--model")
            {
                result.Add(value is null ? flag : $"{flag}={value}");
            }
        }

        return result;
    }

    private static JsonObject Comparable(JsonObject document)
    {
        // Only what the watcher may write is compared; status and server-set metadata are not ours.
        var metadata = document["metadata"] as JsonObject;
        return new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["annotations"] = metadata?["annotations"]?.DeepClone(),
                ["finalizers"] = metadata?["finalizers"]?.DeepClone(),
            },
            ["spec"] = document["spec"]?.DeepClone(),
        };
    }

    private static void SetFinalizer(JsonObject metadata, bool hold)
    {
        var finalizers = (metadata["finalizers"] as JsonArray)?.Select(Text).OfType<string>().ToList() ?? [];
        var has = finalizers.Contains(SharingAnnotations.Finalizer);
        if (hold && !has)
        {
            finalizers.Add(SharingAnnotations.Finalizer);
        }
        else if (!hold && has)
        {
            finalizers.Remove(SharingAnnotations.Finalizer);
        }
        else
        {
            return;
        }

        if (finalizers.Count == 0)
        {
            metadata.Remove("finalizers");
        }
        else
        {
            metadata["finalizers"] = new JsonArray([.. finalizers.Select(f => (JsonNode)f)]);
        }
    }

    private static void Bind(JsonObject predictor, JsonObject annotations, PredictorBinding binding, KServeOptions options)
    {
        PlaceOnNodes(predictor, binding.Nodes);
        var isModel = predictor["model"] is JsonObject;
        var container = predictor["model"] as JsonObject ?? (predictor["containers"] as JsonArray)?.FirstOrDefault() as JsonObject;
        if (container is null)
        {
            return;
        }

        var choseRuntime = false;
        if (isModel && container["runtime"] is null && !string.IsNullOrWhiteSpace(options.ServingRuntime))
        {
            container["runtime"] = options.ServingRuntime;
            choseRuntime = true;
        }

        if (container["image"] is null)
        {
            container["image"] = options.VllmImage;
        }

        container["args"] = new JsonArray([.. Arguments(container["args"] as JsonArray, binding, choseRuntime).Select(a => (JsonNode)a)]);
        SetResources(container, predictor, binding);
        SetEnvironment(container, binding.Environment);
        if (binding.ResourceName is { } resource && resource != "amd.com/gpu")
        {
            // KServe treats only its known GPU resources as GPUs; a partition resource has to be named to it.
            var listed = Text(annotations[SharingAnnotations.KServeGpuResourceTypes]) is { } json ? ParseList(json) : [];
            if (!listed.Contains(resource))
            {
                annotations[SharingAnnotations.KServeGpuResourceTypes] = JsonSerializer.Serialize(listed.Append(resource).ToArray());
            }
        }
    }

    private static void PlaceOnNodes(JsonObject predictor, IReadOnlyList<string> nodes)
    {
        var selector = predictor["nodeSelector"] as JsonObject ?? new JsonObject();
        if (nodes.Count == 1)
        {
            selector[HostnameLabel] = nodes[0];
            predictor["nodeSelector"] = selector;
            return;
        }

        // Replicas on several nodes: one pod template, so a node affinity over those nodes; the device plugin or the
        // scheduler gives each pod a free partition of the reserved kind there.
        selector.Remove(HostnameLabel);
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
                    ["key"] = HostnameLabel,
                    ["operator"] = "In",
                    ["values"] = new JsonArray([.. nodes.Select(n => (JsonNode)n)]),
                }),
            }),
        };
        affinity["nodeAffinity"] = nodeAffinity;
        predictor["affinity"] = affinity;
    }

    private static List<string> Arguments(JsonArray? existing, PredictorBinding binding, bool choseRuntime)
    {
        var arguments = existing?.Select(Text).OfType<string>().ToList() ?? [];
        var kept = new List<string>();
        for (var i = 0; i < arguments.Count; i++)
        {
            var argument = arguments[i];
            var (flag, inlineValue) = Split(argument);
            var takesNext = inlineValue is null && i + 1 < arguments.Count && !arguments[i + 1].StartsWith("--", StringComparison.Ordinal);
            if (ManagedFlags.Contains(flag))
            {
                i += takesNext ? 1 : 0;
                continue;
            }

            if (choseRuntime && HuggingFaceServerFlags.TryGetValue(flag, out var replacement))
            {
                var value = inlineValue ?? (takesNext ? arguments[++i] : null);
                if (replacement is not null && value is not null)
                {
                    kept.Add($"{replacement}={value}");
                }

                continue;
            }

            kept.Add(argument);
        }

        kept.AddRange(binding.VllmArguments);
        return kept;
    }

    private static void SetResources(JsonObject container, JsonObject predictor, PredictorBinding binding)
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

        SetClaimReference(resources, "claims", binding.ClaimName is null ? null : new JsonObject { ["name"] = ClaimReference });
        SetClaimReference(predictor, "resourceClaims", binding.ClaimName is { } claim ? new JsonObject { ["name"] = ClaimReference, ["resourceClaimName"] = claim } : null);
        container["resources"] = resources;
        if (resources.Count == 0)
        {
            container.Remove("resources");
        }
    }

    private static void SetClaimReference(JsonObject owner, string property, JsonObject? entry)
    {
        var list = (owner[property] as JsonArray)?.Where(e => Text(e?["name"]) != ClaimReference).Select(e => e?.DeepClone()).ToList() ?? [];
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

    private static void SetEnvironment(JsonObject container, IReadOnlyDictionary<string, string> environment)
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

    private static (string Flag, string? Value) Split(string argument)
    {
        var equals = argument.IndexOf('=', StringComparison.Ordinal);
        return argument.StartsWith("--", StringComparison.Ordinal) && equals > 0 ? (argument[..equals], argument[(equals + 1)..]) : (argument, null);
    }

    private static List<string> ParseList(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<List<string>>(json) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}

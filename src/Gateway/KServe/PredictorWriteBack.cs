using System.Text.Json;
using System.Text.Json.Nodes;
using GpuSharing.Grains.Interfaces.Models;
using k8s;

namespace GpuSharing.Gateway.KServe;

/// <summary>
/// Turns a <see cref="WriteBack"/> into the merge patch for an InferenceService (its predictor) or an
/// LLMInferenceService (its pod template's <c>main</c> container): the object as it should be, compared with the
/// object as it is. Only the annotations, finalizers and pod fields the watcher owns change; the owner's
/// other arguments, resources and selectors stay. The patch carries the object's resourceVersion, so it applies only to
/// the version it was computed from (409 otherwise).
/// </summary>
public static class PredictorWriteBack
{
    public const string ClaimReference = "gpu-sharing";
    public const string HostnameLabel = "kubernetes.io/hostname";

    /// <summary>The scheduling gate an autoscaled object's pods are born with (lifted one pod per reservation).</summary>
    public const string ReservationGate = "aim.amd.com/partition-reservation";

    /// <summary>The container of an LLMInferenceService's template that runs the model server.</summary>
    public const string MainContainer = "main";

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
        if (desired.Binding is { } binding && target["spec"] is JsonObject spec)
        {
            if (!service.ResourceKind.IsLlm && spec["predictor"] is JsonObject predictor)
            {
                Bind(predictor, annotations, binding, options);
            }
            else if (service.ResourceKind.IsLlm)
            {
                BindTemplate(spec, binding, options);
            }
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

    /// <summary>The merge patch of <c>spec</c> that takes the reservation gate out of the object's pod template; null when it has none.</summary>
    public static JsonObject? WithoutGate(InferenceService service)
    {
        var (path, podSpec) = service.ResourceKind.IsLlm ? ("template", service.Spec?["template"]) : ("predictor", service.Spec?["predictor"]);
        if (podSpec?["schedulingGates"] is not JsonArray gates || !gates.Any(g => Text(g?["name"]) == ReservationGate))
        {
            return null;
        }

        var others = gates.Where(g => Text(g?["name"]) != ReservationGate).Select(g => g?.DeepClone()).ToArray();
        return new JsonObject { [path] = new JsonObject { ["schedulingGates"] = others.Length == 0 ? null : new JsonArray(others) } };
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
        PodTemplateBinding.PlaceOnNodes(predictor, binding);
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

        BindContainer(predictor, container, binding, options, choseRuntime);
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

    /// <summary>
    /// An LLMInferenceService: its pod template (<c>spec.template</c>, merged by KServe over its presets) and there the
    /// container named <c>main</c>, which runs <c>vllm serve</c> and takes its arguments. Both are made when missing.
    /// </summary>
    private static void BindTemplate(JsonObject spec, PredictorBinding binding, KServeOptions options)
    {
        var template = spec["template"] as JsonObject ?? new JsonObject();
        spec["template"] = template;
        var containers = template["containers"] as JsonArray ?? new JsonArray();
        template["containers"] = containers;
        var main = containers.OfType<JsonObject>().FirstOrDefault(c => Text(c["name"]) == MainContainer);
        if (main is null)
        {
            main = new JsonObject { ["name"] = MainContainer };
            containers.Add(main);
        }

        PodTemplateBinding.PlaceOnNodes(template, binding);
        BindContainer(template, main, binding, options, choseRuntime: false);
    }

    private static void BindContainer(JsonObject podSpec, JsonObject container, PredictorBinding binding, KServeOptions options, bool choseRuntime)
    {
        if (container["image"] is null)
        {
            container["image"] = options.VllmImage;
        }

        container["args"] = new JsonArray([.. Arguments(container["args"] as JsonArray, binding, choseRuntime).Select(a => (JsonNode)a)]);
        PodTemplateBinding.SetResources(container, podSpec, binding);
        PodTemplateBinding.SetEnvironment(container, binding.Environment);
        PodTemplateBinding.SetSchedulingGate(podSpec, binding.Gated);
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

using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using GpuSharing.Gateway.Http;
using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Gateway.KServe;

/// <summary>
/// Reads the deployment an InferenceService asks for from its <c>aim.amd.com/</c> annotations and its predictor. The
/// model comes from <c>aim.amd.com/model</c>, else the predictor's <c>storageUri</c> (<c>hf://org/name</c>, or a
/// path whose last segment is <c>org--name</c>), else its <c>--model_id</c>/<c>--model</c> argument. Replicas are
/// bounded by the predictor's <c>minReplicas</c> (default 1; 0 reserves one) and <c>maxReplicas</c> (default: the
/// minimum): the minimum is reserved up front, and an autoscaled object's reservations follow its autoscaler.
/// Only annotations and the model id count, never the vLLM arguments the watcher itself writes back, so that its own
/// write-back never reads as a new spec.
/// </summary>
public static partial class InferenceServiceReader
{
    private const long MaxMemoryLimit = 16L << 40;

    public static bool IsOptedIn(InferenceService service) =>
        string.Equals(service.Annotation(SharingAnnotations.GpuSharing), SharingAnnotations.Enabled, StringComparison.Ordinal);

    /// <summary>The deployment an InferenceService (its predictor) or an LLMInferenceService asks for.</summary>
    public static InferenceServiceSpec Read(InferenceService service) =>
        service.ResourceKind.IsLlm ? ReadLlm(service) : ReadPredictor(service);

    private static InferenceServiceSpec ReadPredictor(InferenceService service)
    {
        var errors = new List<string>();
        var predictor = service.Spec?["predictor"] as JsonObject;
        if (predictor is null)
        {
            return new InferenceServiceSpec(null, ["spec.predictor is missing."]);
        }

        var model = ModelId(service, predictor, errors);
        var bounds = Bounds(Number(predictor["minReplicas"]), Number(predictor["maxReplicas"]), "spec.predictor.maxReplicas", errors);
        return Compose(service, model, bounds, "maxReplicas 1", errors);
    }

    /// <summary>
    /// Replica bounds as KServe reads them: a minimum below 1 (scale to zero) reserves one, a maximum defaults to the
    /// minimum and is never below it, and neither may pass the contract's limit.
    /// </summary>
    private static ReplicaBounds Bounds(int? min, int? max, string field, List<string> errors)
    {
        var low = Math.Max(1, min ?? 1);
        var high = Math.Max(low, max is > 0 ? max.Value : low);
        if (high > DeploymentLimits.MaxReplicas)
        {
            errors.Add($"{field} {high} is more than the {DeploymentLimits.MaxReplicas} replicas one deployment may reserve.");
        }

        return new ReplicaBounds(low, high);
    }

    private static int? Number(JsonNode? node) => node is JsonValue value && value.TryGetValue<int>(out var n) ? n : null;

    /// <summary>The annotations' part of the spec, the same for every kind, around the kind's model and replica bounds.</summary>
    private static InferenceServiceSpec Compose(InferenceService service, string? model, ReplicaBounds bounds, string oneReplica, List<string> errors)
    {
        var replicas = bounds.Max;
        var precision = Choice(service, SharingAnnotations.Precision, errors, WireNames.Precisions) ?? Precision.Bf16;
        var priority = Choice(service, SharingAnnotations.QosPriority, errors, WireNames.Priorities) ?? Priority.Medium;
        var isolation = Choice(service, SharingAnnotations.Isolation, errors, WireNames.Isolations);
        var maxModelLen = Integer(service, SharingAnnotations.MaxModelLen, 1, DeploymentLimits.MaxContext, errors);
        var maxNumSeqs = Integer(service, SharingAnnotations.MaxNumSeqs, 1, DeploymentLimits.MaxSequences, errors);
        var ttft = Integer(service, SharingAnnotations.SloTtftMs, 1, DeploymentLimits.MaxSloMilliseconds, errors);
        var tpot = Integer(service, SharingAnnotations.SloTpotMs, 1, DeploymentLimits.MaxSloMilliseconds, errors);
        var memoryLimit = MemoryLimit(service, errors);
        var (node, gpu) = Pin(service, errors);
        if (replicas > 1)
        {
            // One pod template binds every replica: a shared partition is bound by naming it (a ResourceClaim, a
            // device), which cannot differ per pod. Several replicas therefore each take a partition of their own.
            if (isolation == Isolation.Shared)
            {
                errors.Add($"{SharingAnnotations.Isolation} 'shared' binds one named partition, which one pod template cannot do for {replicas} replicas; use 'exclusive' or {oneReplica}.");
            }

            isolation ??= Isolation.Exclusive;
        }

        if (errors.Count > 0 || model is null)
        {
            return new InferenceServiceSpec(null, errors);
        }

        var spec = new DeploymentSpec(
            model,
            precision,
            maxModelLen,
            maxNumSeqs,
            bounds.Min,
            priority,
            isolation,
            ttft is null && tpot is null ? null : new SloSpec(ttft, tpot, null),
            Node: node,
            MemoryLimitBytes: memoryLimit,
            Gpu: gpu,
            ManagedBy: SharingAnnotations.ManagedBy);
        return new InferenceServiceSpec(spec, [], bounds);
    }

    /// <summary>A memory size: bytes, SI (<c>40G</c>, <c>40GB</c>) or binary (<c>40Gi</c>, <c>40GiB</c>) units.</summary>
    public static long? ParseMemory(string text)
    {
        var match = MemorySize().Match(text.Trim());
        if (!match.Success || !decimal.TryParse(match.Groups["number"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return null;
        }

        var unit = match.Groups["unit"].Value.ToUpperInvariant().TrimEnd('B');
        decimal? factor = unit switch
        {
            "" => 1m,
            "K" => 1e3m,
            "M" => 1e6m,
            "G" => 1e9m,
            "T" => 1e12m,
            "KI" => 1L << 10,
            "MI" => 1L << 20,
            "GI" => 1L << 30,
            "TI" => 1L << 40,
            _ => null,
        };
        if (factor is null)
        {
            return null;
        }

        var bytes = number * factor.Value;
        return bytes is >= 1 and <= MaxMemoryLimit ? (long)decimal.Floor(bytes) : null;
    }

    private static string? ModelId(InferenceService service, JsonObject predictor, List<string> errors)
    {
        var model = FindModelId(service, predictor, errors);
        if (model is not null && ModelIds.Error(model) is { } invalid)
        {
            // It becomes an argument of the model server: refused, whichever field it came from.
            errors.Add($"{SharingAnnotations.Model}: {invalid}");
            return null;
        }

        return model;
    }

    private static string? FindModelId(InferenceService service, JsonObject predictor, List<string> errors)
    {
        if (service.Annotation(SharingAnnotations.Model) is { } annotated)
        {
            if (string.IsNullOrWhiteSpace(annotated) || annotated.Length > 256)
            {
                errors.Add($"{SharingAnnotations.Model} must name a model (a Hugging Face id or a catalog name).");
                return null;
            }

            return annotated.Trim();
        }

        var container = predictor["model"] as JsonObject ?? (predictor["containers"] as JsonArray)?.FirstOrDefault() as JsonObject;
        if (container?["storageUri"] is JsonValue uriValue && uriValue.TryGetValue<string>(out var uri) && FromStorageUri(uri) is { } fromUri)
        {
            return fromUri;
        }

        if (container?["args"] is JsonArray args && FromArguments(args) is { } fromArgs)
        {
            return fromArgs;
        }

        errors.Add($"No model named: set {SharingAnnotations.Model}, a storageUri such as hf://org/name, or a --model_id argument.");
        return null;
    }

    private static string? FromStorageUri(string uri)
    {
        if (uri.StartsWith("hf://", StringComparison.OrdinalIgnoreCase))
        {
            var parts = uri[5..].Split('/', StringSplitOptions.RemoveEmptyEntries);
            return parts.Length >= 2 ? $"{parts[0]}/{parts[1]}" : parts.FirstOrDefault();
        }

        // s3://bucket/models/meta-llama--Meta-Llama-3.1-8B-Instruct: the Hugging Face cache's "org--name".
        var last = uri.TrimEnd('/').Split('/').LastOrDefault();
        if (string.IsNullOrEmpty(last) || last.Contains("://", StringComparison.Ordinal))
        {
            return null;
        }

        if (last.StartsWith("models--", StringComparison.Ordinal))
        {
            last = last["models--".Length..];
        }

        var separator = last.IndexOf("--", StringComparison.Ordinal);
        return separator > 0 ? $"{last[..separator]}/{last[(separator + 2)..]}" : last;
    }

    private static string? FromArguments(JsonArray args)
    {
        var list = args.Select(a => a is JsonValue v && v.TryGetValue<string>(out var s) ? s : null).ToList();
        for (var i = 0; i < list.Count; i++)
        {
            foreach (var flag in new[] { "--model_id", "--model" })
            {
                string? value = null;
                if (list[i] is { } arg && arg.StartsWith(flag + "=", StringComparison.Ordinal))
                {
                    value = arg[(flag.Length + 1)..];
                }
                else if (list[i] == flag && i + 1 < list.Count)
                {
                    value = list[i + 1];
                }

                // A local path (the storage initializer's /mnt/models) names no model.
                if (!string.IsNullOrWhiteSpace(value) && !value.StartsWith('/'))
                {
                    return value;
                }
            }
        }

        return null;
    }

    private static (string? Node, int? Gpu) Pin(InferenceService service, List<string> errors)
    {
        if (service.Annotation(SharingAnnotations.PartitionId) is not { } pin)
        {
            return (null, null);
        }

        var parts = pin.Trim().Split('/');
        if (parts.Length != 2 || RouteValues.NodeError(parts[0]) is not null || RouteValues.IndexError(parts[1], out var gpu) is not null)
        {
            errors.Add($"{SharingAnnotations.PartitionId} '{RouteValues.Truncate(pin)}' must be {{node}}/{{gpu}}, e.g. 'gpu-node-1/0': a Kubernetes node name and a GPU index from 0 to {RouteValues.MaxGpuIndex}. The partition on that GPU is chosen for you.");
            return (null, null);
        }

        return (parts[0], gpu);
    }

    private static long? MemoryLimit(InferenceService service, List<string> errors)
    {
        if (service.Annotation(SharingAnnotations.MemoryLimit) is not { } text)
        {
            return null;
        }

        if (ParseMemory(text) is { } bytes)
        {
            return bytes;
        }

        errors.Add($"{SharingAnnotations.MemoryLimit} '{RouteValues.Truncate(text)}' is not a memory size such as 40GB, 40Gi or 42949672960 (at most 16Ti).");
        return null;
    }

    private static T? Choice<T>(InferenceService service, string annotation, List<string> errors, IReadOnlyList<(string Name, T Value)> choices)
        where T : struct
    {
        if (service.Annotation(annotation) is not { } text)
        {
            return null;
        }

        foreach (var (name, value) in choices)
        {
            if (string.Equals(text.Trim(), name, StringComparison.Ordinal))
            {
                return value;
            }
        }

        errors.Add($"{annotation} '{RouteValues.Truncate(text)}' must be one of {string.Join(", ", choices.Select(c => c.Name))}.");
        return null;
    }

    private static int? Integer(InferenceService service, string annotation, int min, int max, List<string> errors)
    {
        if (service.Annotation(annotation) is not { } text)
        {
            return null;
        }

        if (int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        errors.Add($"{annotation} '{RouteValues.Truncate(text)}' must be an integer from {min} to {max}.");
        return null;
    }

    [GeneratedRegex(@"^(?<number>\d+(\.\d+)?)\s*(?<unit>[A-Za-z]{0,3})$")]
    private static partial Regex MemorySize();
}

using System.Text.Json;
using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Gateway.Http;

/// <summary>
/// A deployment spec from JSON: <c>model</c> (required), <c>precision</c> (bf16), <c>maxModelLen</c>, <c>maxNumSeqs</c>,
/// <c>replicas</c> (1), <c>priority</c> (medium), <c>isolation</c>, <c>slo</c>, <c>architecture</c>, <c>kvCacheBytes</c>,
/// <c>minKvCacheBytes</c>, <c>maxTensorParallel</c>, <c>kvCacheDtype</c> (auto | fp8), <c>node</c> and <c>gpu</c> (a pin),
/// <c>memoryLimitBytes</c> (a cap on each replica's reservation), <c>endpoints</c> (servers the owner runs: base URLs).
/// </summary>
public static class DeploymentSpecReader
{
    public static readonly string[] Properties =
    [
        "model", "precision", "maxModelLen", "maxNumSeqs", "replicas", "priority", "isolation", "slo", "architecture",
        "kvCacheBytes", "minKvCacheBytes", "maxTensorParallel", "kvCacheDtype", "node", "gpu", "memoryLimitBytes",
        "endpoints",
    ];


    /// <param name="localModelPaths">Directory prefixes under which a local model path is allowed (none: only Hugging Face ids and catalog names).</param>
    public static DeploymentSpec? Read(JsonElement body, Dictionary<string, string[]> errors, string prefix = "", IReadOnlyCollection<string>? extraProperties = null, IReadOnlyCollection<string>? localModelPaths = null)
    {
        var before = errors.Count;
        var fields = new JsonFields(body, prefix, errors, [.. Properties, .. extraProperties ?? []]);
        if (!fields.IsObject)
        {
            return null;
        }

        var model = fields.String("model", required: true, maxLength: ModelIds.MaxLength);
        if (model is not null && ModelIds.Error(model, localModelPaths) is { } modelError)
        {
            fields.Error("model", modelError);
        }

        var precision = fields.Choice("precision", WireNames.Precisions) ?? Precision.Bf16;
        var maxModelLen = fields.Integer("maxModelLen", 1, DeploymentLimits.MaxContext);
        var maxNumSeqs = fields.Integer("maxNumSeqs", 1, DeploymentLimits.MaxSequences);
        var replicas = fields.Integer("replicas", 1, DeploymentLimits.MaxReplicas) ?? 1;
        var priority = fields.Choice("priority", WireNames.Priorities) ?? Priority.Medium;
        var isolation = fields.Choice("isolation", WireNames.Isolations);
        var kvCacheBytes = fields.Integer("kvCacheBytes", 1, long.MaxValue);
        var minKvCacheBytes = fields.Integer("minKvCacheBytes", 1, long.MaxValue);
        var maxTensorParallel = fields.Integer("maxTensorParallel", 1, DeploymentLimits.MaxTensorParallel);
        if (maxTensorParallel is { } tp && !DeploymentLimits.IsTensorParallelSize((int)tp))
        {
            fields.Error("maxTensorParallel", $"'maxTensorParallel' must be 1, 2, 4 or 8; got {tp}.");
        }

        var kvCacheDtype = fields.Choice("kvCacheDtype", WireNames.KvCacheDtypes);
        var node = fields.String("node", maxLength: 253);
        if (node is not null && RouteValues.NodeError(node) is { } nodeError)
        {
            fields.Error("node", nodeError);
        }

        var gpu = fields.Integer("gpu", 0, DeploymentLimits.MaxGpuIndex);
        if (gpu is not null && node is null)
        {
            fields.Error("gpu", "'gpu' pins a GPU of a node: give 'node' too.");
        }

        var memoryLimitBytes = fields.Integer("memoryLimitBytes", 1, long.MaxValue);
        var endpoints = ReadEndpoints(fields.Element("endpoints"), Path(prefix, "endpoints"), errors);
        var slo = ReadSlo(fields.Element("slo"), Path(prefix, "slo"), errors);
        var architecture = ReadArchitecture(fields.Element("architecture"), Path(prefix, "architecture"), errors);
        if (errors.Count > before)
        {
            return null;
        }

        return new DeploymentSpec(
            model!,
            precision,
            (int?)maxModelLen,
            (int?)maxNumSeqs,
            (int)replicas,
            priority,
            isolation,
            slo,
            architecture,
            kvCacheBytes,
            minKvCacheBytes,
            (int?)maxTensorParallel,
            kvCacheDtype ?? false,
            node,
            memoryLimitBytes,
            (int?)gpu,
            Endpoints: endpoints);
    }

    private static DeclaredEndpoints? ReadEndpoints(JsonElement? element, string path, Dictionary<string, string[]> errors)
    {
        if (element is not { } value)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() is 0 or > DeclaredEndpoints.MaxCount)
        {
            errors[path] = [$"'endpoints' must be an array of 1 to {DeclaredEndpoints.MaxCount} base URLs."];
            return null;
        }

        var urls = new List<string>();
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var error = item.ValueKind != JsonValueKind.String ? "must be a string." : item.GetString()!.Length > 2048 ? "must be at most 2048 characters." : DeclaredEndpoints.Error(item.GetString()!);
            if (error is not null)
            {
                errors[$"{path}[{index}]"] = [error];
            }
            else
            {
                urls.Add(item.GetString()!.TrimEnd('/'));
            }

            index++;
        }

        if (urls.Distinct(StringComparer.Ordinal).Count() != urls.Count)
        {
            errors[path] = ["'endpoints' lists a URL twice."];
        }

        return new DeclaredEndpoints(urls);
    }

    private static SloSpec? ReadSlo(JsonElement? element, string prefix, Dictionary<string, string[]> errors)
    {
        if (element is not { } value)
        {
            return null;
        }

        var fields = new JsonFields(value, prefix, errors, ["ttftMs", "tpotMs", "target"]);
        return fields.IsObject
            ? new SloSpec((int?)fields.Integer("ttftMs", 1, DeploymentLimits.MaxSloMilliseconds), (int?)fields.Integer("tpotMs", 1, DeploymentLimits.MaxSloMilliseconds), fields.Number("target", 0.0, 1.0))
            : null;
    }

    private static ModelArchitecture? ReadArchitecture(JsonElement? element, string prefix, Dictionary<string, string[]> errors)
    {
        if (element is not { } value)
        {
            return null;
        }

        var fields = new JsonFields(value, prefix, errors, ["parametersBillions", "layers", "kvHeads", "headDim", "defaultContext"]);
        if (!fields.IsObject)
        {
            return null;
        }

        var parameters = fields.Number("parametersBillions", 0.001, 10_000, required: true);
        var layers = fields.Integer("layers", 1, 1_000, required: true);
        var kvHeads = fields.Integer("kvHeads", 1, 1_024, required: true);
        var headDim = fields.Integer("headDim", 1, 4_096, required: true);
        var context = fields.Integer("defaultContext", 1, 10_000_000, required: true);
        return parameters is { } p && layers is { } l && kvHeads is { } k && headDim is { } h && context is { } c
            ? new ModelArchitecture(p, (int)l, (int)k, (int)h, (int)c)
            : null;
    }

    private static string Path(string prefix, string name) => prefix.Length == 0 ? name : $"{prefix}.{name}";
}

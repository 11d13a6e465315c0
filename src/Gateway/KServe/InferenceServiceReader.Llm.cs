using System.Text.Json.Nodes;
using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Gateway.KServe;

/// <summary>
/// An LLMInferenceService's deployment: the same <c>aim.amd.com/</c> annotations as an InferenceService's; the model
/// from <c>aim.amd.com/model</c>, else <c>spec.model.name</c>, else <c>spec.model.uri</c> (<c>hf://org/name</c>);
/// replicas from <c>spec.replicas</c>, else between <c>spec.scaling.minReplicas</c> and <c>maxReplicas</c> (KServe's
/// autoscaling, followed like an InferenceService's). What one
/// partition per replica cannot honour is refused by name rather than ignored: <c>spec.worker</c> (one replica across
/// several pods and nodes) and <c>spec.prefill</c> (prefill pods apart from decode pods).
/// </summary>
public static partial class InferenceServiceReader
{
    private static InferenceServiceSpec ReadLlm(InferenceService service)
    {
        var spec = service.Spec;
        if (spec is null)
        {
            return new InferenceServiceSpec(null, ["spec is missing."]);
        }

        var errors = new List<string>();
        if (spec["worker"] is not null)
        {
            errors.Add("spec.worker (one replica spread over several pods and nodes) cannot be placed on GPU partitions yet: serve the model from one pod per replica, or remove aim.amd.com/gpu-sharing.");
        }

        if (spec["prefill"] is not null)
        {
            errors.Add("spec.prefill (prefill pods apart from decode pods) cannot be placed on GPU partitions yet: serve prefill and decode in the same pods, or remove aim.amd.com/gpu-sharing.");
        }

        var model = LlmModelId(service, spec["model"] as JsonObject, errors);
        var bounds = Number(spec["replicas"]) is { } replicas
            ? Bounds(replicas, replicas, "spec.replicas", errors)
            : Bounds(Number(spec["scaling"]?["minReplicas"]), Number(spec["scaling"]?["maxReplicas"]), "spec.scaling.maxReplicas", errors);
        return Compose(service, model, bounds, "spec.replicas 1", errors);
    }

    private static string? LlmModelId(InferenceService service, JsonObject? model, List<string> errors)
    {
        string? found;
        if (service.Annotation(SharingAnnotations.Model) is { } annotated)
        {
            if (string.IsNullOrWhiteSpace(annotated) || annotated.Length > 256)
            {
                errors.Add($"{SharingAnnotations.Model} must name a model (a Hugging Face id or a catalog name).");
                return null;
            }

            found = annotated.Trim();
        }
        else if (model?["name"] is JsonValue name && name.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text))
        {
            found = text.Trim();
        }
        else if (model?["uri"] is JsonValue uri && uri.TryGetValue<string>(out var location) && FromStorageUri(location) is { } fromUri)
        {
            found = fromUri;
        }
        else
        {
            errors.Add($"No model named: set spec.model.name, a spec.model.uri such as hf://org/name, or {SharingAnnotations.Model}.");
            return null;
        }

        if (ModelIds.Error(found) is { } invalid)
        {
            errors.Add($"{SharingAnnotations.Model}: {invalid}"); // it becomes an argument of the model server
            return null;
        }

        return found;
    }
}

using System.Text.Json.Nodes;
using GpuSharing.Fakes.Kubernetes;
using GpuSharing.Gateway.KServe;

namespace GpuSharing.KServe.Tests;

/// <summary>
/// An autoscaled object as users write one, of either kind: an InferenceService scaled by KEDA
/// (<c>serving.kserve.io/autoscalerClass: keda</c>, <c>minReplicas</c>/<c>maxReplicas</c> and an external Prometheus
/// metric), or an LLMInferenceService with <c>spec.scaling</c> through WVA and KEDA. Its key, the Deployment KServe
/// makes for it, and the CRD it must stay valid against.
/// </summary>
public sealed record Scaled(FakeResourceType Type, string Namespace, string Name, string Key, string Deployment, JsonObject Crd)
{
    private static readonly Lazy<JsonObject> InferenceServiceCrd = new(() => YamlDocuments.Load(Fixtures.PathOf("kserve", "serving.kserve.io_inferenceservices.yaml")).Single());

    private static readonly Lazy<JsonObject> LlmInferenceServiceCrd = new(() =>
        YamlDocuments.Load(Path.Combine(Fixtures.RepositoryRoot, "tests", "KServe.Tests", "Fixtures", "serving.kserve.io_llminferenceservices.v0.20.0.yaml")).Single());

    public static JsonObject CrdOf(FakeResourceType type) => type == FakeResourceType.LlmInferenceServices ? LlmInferenceServiceCrd.Value : InferenceServiceCrd.Value;

    public static Scaled Create(KServeEnvironment env, string kind, string @namespace, string name, int min, int max, string model = "Qwen/Qwen2.5-7B-Instruct", Dictionary<string, string>? annotations = null)
    {
        annotations ??= [];
        if (kind == KServeKind.LlmInferenceService.Kind)
        {
            var scaling = new JsonObject
            {
                ["minReplicas"] = min,
                ["maxReplicas"] = max,
                ["wva"] = new JsonObject { ["keda"] = new JsonObject { ["pollingInterval"] = 15, ["cooldownPeriod"] = 60 } },
            };
            env.CreateLlm(@namespace, name, model, annotations, new JsonObject { ["scaling"] = scaling });
            return new Scaled(FakeResourceType.LlmInferenceServices, @namespace, name, KServeKind.LlmInferenceService.Key(@namespace, name), name + "-kserve", LlmInferenceServiceCrd.Value);
        }

        annotations["serving.kserve.io/autoscalerClass"] = "keda";
        var metric = new JsonObject
        {
            ["type"] = "External",
            ["external"] = new JsonObject
            {
                ["metric"] = new JsonObject
                {
                    ["backend"] = "prometheus",
                    ["serverAddress"] = "http://prometheus.monitoring.svc:9090",
                    ["query"] = $"sum(vllm:num_requests_waiting{{namespace=\"{@namespace}\",pod=~\"{name}-predictor-.*\"}})",
                },
                ["target"] = new JsonObject { ["type"] = "Value", ["value"] = "4" },
            },
        };
        env.Create(@namespace, name, model, annotations, predictorExtras: new JsonObject
        {
            ["minReplicas"] = min,
            ["maxReplicas"] = max,
            ["autoScaling"] = new JsonObject { ["metrics"] = new JsonArray(metric) },
        });
        return new Scaled(FakeResourceType.InferenceServices, @namespace, name, KServeKind.InferenceService.Key(@namespace, name), name + "-predictor", InferenceServiceCrd.Value);
    }
}

using System.Text.Json.Nodes;
using GpuSharing.Gateway.KServe;
using GpuSharing.Grains.Interfaces.Models;
using k8s;

namespace GpuSharing.KServe.Tests;

/// <summary>
/// An LLMInferenceService read into a deployment: KServe's own example (checked against the CRD of KServe v0.20.0),
/// the model from its name or URI, replicas from <c>spec.replicas</c> or the scaling bounds, the annotations read as
/// for an InferenceService, and what one partition per replica cannot honour refused by name.
/// </summary>
public sealed class LlmInferenceServiceReaderTests
{
    private static readonly Lazy<JsonObject> Crd = new(() =>
        YamlDocuments.Load(Path.Combine(Fixtures.RepositoryRoot, "tests", "KServe.Tests", "Fixtures", "serving.kserve.io_llminferenceservices.v0.20.0.yaml")).Single());

    [Fact]
    public void KServe_s_example_is_valid_against_its_CRD_and_reads_as_three_exclusive_replicas_of_its_model()
    {
        var example = YamlDocuments.Load(Fixtures.PathOf("kserve", "example-llmisvc-qwen2-7b-gpu-with-scheduler.yaml")).Single();
        example["metadata"]!["namespace"] = "team-a";
        example["metadata"]!["annotations"] = new JsonObject { [SharingAnnotations.GpuSharing] = "enabled", [SharingAnnotations.QosPriority] = "high" };

        var read = InferenceServiceReader.Read(Service(example));

        Assert.Equal([], CrdSchemaValidator.Validate(example, Crd.Value));
        Assert.True(read.IsValid, string.Join("; ", read.Errors));
        Assert.Equal(("Qwen/Qwen2.5-7B-Instruct", 3, Priority.High, Isolation.Exclusive), (read.Spec!.Model, read.Spec.Replicas, read.Spec.Priority, read.Spec.Isolation));
        Assert.Equal(SharingAnnotations.ManagedBy, read.Spec.ManagedBy);
    }

    [Theory]
    [InlineData("""{"model": {"uri": "hf://Qwen/Qwen2.5-0.5B-Instruct"}}""", "Qwen/Qwen2.5-0.5B-Instruct", 1, 1)]
    [InlineData("""{"model": {"uri": "pvc://models/Qwen--Qwen2.5-0.5B-Instruct"}, "replicas": 2}""", "Qwen/Qwen2.5-0.5B-Instruct", 2, 2)]
    [InlineData("""{"model": {"uri": "hf://x/y", "name": "Qwen/Qwen2.5-7B-Instruct"}, "scaling": {"minReplicas": 1, "maxReplicas": 4}}""", "Qwen/Qwen2.5-7B-Instruct", 1, 4)]
    [InlineData("""{"model": {"uri": "hf://x/y", "name": "Qwen/Qwen2.5-7B-Instruct"}, "scaling": {"minReplicas": 2}}""", "Qwen/Qwen2.5-7B-Instruct", 2, 2)]
    [InlineData("""{"model": {"uri": "hf://x/y", "name": "Qwen/Qwen2.5-7B-Instruct"}, "scaling": {"minReplicas": 0, "maxReplicas": 3}}""", "Qwen/Qwen2.5-7B-Instruct", 1, 3)]
    [InlineData("""{"model": {"uri": "hf://x/y", "name": "Qwen/Qwen2.5-7B-Instruct"}, "replicas": 0}""", "Qwen/Qwen2.5-7B-Instruct", 1, 1)]
    public void The_model_comes_from_its_name_else_its_URI_and_replicas_from_replicas_else_the_scaling_bounds(string spec, string model, int min, int max)
    {
        var read = InferenceServiceReader.Read(Service(Llm(spec)));

        // The minimum is reserved up front; the reconciler follows the autoscaler within the bounds.
        Assert.True(read.IsValid, string.Join("; ", read.Errors));
        Assert.Equal((model, min, new ReplicaBounds(min, max)), (read.Spec!.Model, read.Spec.Replicas, read.Bounds));
    }

    [Theory]
    [InlineData("""{"model": {"uri": "hf://Qwen/Qwen2.5-7B-Instruct"}, "worker": {"containers": []}}""", "spec.worker (one replica spread over several pods and nodes) cannot be placed")]
    [InlineData("""{"model": {"uri": "hf://Qwen/Qwen2.5-7B-Instruct"}, "prefill": {"replicas": 2}}""", "spec.prefill (prefill pods apart from decode pods) cannot be placed")]
    [InlineData("""{"model": {}}""", "No model named: set spec.model.name")]
    [InlineData("""{"model": {"uri": "hf://x/y", "name": "--trust-remote-code"}}""", "is not a Hugging Face id")]
    [InlineData("""{"model": {"uri": "hf://Qwen/Qwen2.5-7B-Instruct"}, "replicas": 100000}""", "spec.replicas 100000 is more than")]
    public void What_cannot_be_honoured_is_refused_by_name(string spec, string expected)
    {
        var read = InferenceServiceReader.Read(Service(Llm(spec)));

        Assert.False(read.IsValid);
        Assert.Contains(read.Errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void The_annotations_read_as_for_an_InferenceService()
    {
        var good = Llm("""{"model": {"uri": "hf://Qwen/Qwen2.5-0.5B-Instruct"}}""", new() { [SharingAnnotations.MaxNumSeqs] = "32", [SharingAnnotations.SloTtftMs] = "800", [SharingAnnotations.PartitionId] = "node-a/1" });
        var bad = Llm("""{"model": {"uri": "hf://Qwen/Qwen2.5-0.5B-Instruct"}, "replicas": 2}""", new() { [SharingAnnotations.QosPriority] = "urgent", [SharingAnnotations.Isolation] = "shared" });

        var spec = InferenceServiceReader.Read(Service(good)).Spec!;
        var errors = InferenceServiceReader.Read(Service(bad)).Errors;

        Assert.Equal((32, 800, "node-a", 1), (spec.MaxNumSeqs, spec.Slo!.TtftMs, spec.Node, spec.Gpu));
        Assert.Contains(errors, e => e.Contains(SharingAnnotations.QosPriority, StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("use 'exclusive' or spec.replicas 1", StringComparison.Ordinal));
    }

    private static JsonObject Llm(string spec, Dictionary<string, string>? annotations = null)
    {
        var all = new JsonObject { [SharingAnnotations.GpuSharing] = "enabled" };
        foreach (var (key, value) in annotations ?? [])
        {
            all[key] = value;
        }

        return new JsonObject
        {
            ["apiVersion"] = KServeKind.LlmInferenceService.ApiVersion,
            ["kind"] = KServeKind.LlmInferenceService.Kind,
            ["metadata"] = new JsonObject { ["name"] = "llm", ["namespace"] = "team-a", ["annotations"] = all },
            ["spec"] = JsonNode.Parse(spec),
        };
    }

    private static InferenceService Service(JsonObject document) => KubernetesJson.Deserialize<InferenceService>(document.ToJsonString());
}

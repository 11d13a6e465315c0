using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace GpuSharing.Gateway.KServe;

/// <summary>
/// A KServe object the watcher reconciles: a <c>serving.kserve.io/v1beta1</c> InferenceService or a
/// <c>v1alpha2</c> LLMInferenceService (<see cref="KServeKind"/>). The spec and status stay JSON: the watcher reads a
/// few fields and writes a few back, and must keep every other field exactly as the owner wrote it.
/// </summary>
public sealed class InferenceService : IKubernetesObject<V1ObjectMeta>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = KServeKind.InferenceService.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KServeKind.InferenceService.Kind;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public JsonObject? Spec { get; set; }

    [JsonPropertyName("status")]
    public JsonObject? Status { get; set; }

    [JsonIgnore]
    public KServeKind ResourceKind => KServeKind.Of(Kind);

    /// <summary>Its deployment's key, which is also its key in the watcher's cache and queue.</summary>
    [JsonIgnore]
    public string Key => ResourceKind.Key(Metadata.NamespaceProperty, Metadata.Name);

    public string? Annotation(string name) =>
        Metadata.Annotations is { } annotations && annotations.TryGetValue(name, out var value) ? value : null;
}

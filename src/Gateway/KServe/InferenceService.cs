using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace GpuSharing.Gateway.KServe;

/// <summary>
/// A KServe <c>serving.kserve.io/v1beta1</c> InferenceService. The spec and status stay JSON: the watcher reads a few
/// fields and writes a few back, and must keep every other field exactly as the owner wrote it.
/// </summary>
public sealed class InferenceService : IKubernetesObject<V1ObjectMeta>
{
    public const string Group = "serving.kserve.io";
    public const string Version = "v1beta1";
    public const string Plural = "inferenceservices";
    public const string KindName = "InferenceService";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = $"{Group}/{Version}";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KindName;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public JsonObject? Spec { get; set; }

    [JsonPropertyName("status")]
    public JsonObject? Status { get; set; }

    [JsonIgnore]
    public string Key => $"{Metadata.NamespaceProperty}/{Metadata.Name}";

    public string? Annotation(string name) =>
        Metadata.Annotations is { } annotations && annotations.TryGetValue(name, out var value) ? value : null;
}

using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace GpuSharing.Gateway.KServe;

/// <summary>A page of KServe objects of one kind with the list's resourceVersion, from which a watch resumes.</summary>
public sealed class InferenceServiceList : IKubernetesObject<V1ListMeta>, IItems<InferenceService>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = KServeKind.InferenceService.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "InferenceServiceList";

    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    [JsonPropertyName("items")]
    public IList<InferenceService> Items { get; set; } = [];
}

namespace GpuSharing.Fakes.Kubernetes;

/// <summary>A resource the fake serves: group ("" for core), version, plural and kind.</summary>
public sealed record FakeResourceType(string Group, string Version, string Plural, string Kind)
{
    public static readonly FakeResourceType InferenceServices = new("serving.kserve.io", "v1beta1", "inferenceservices", "InferenceService");
    public static readonly FakeResourceType Leases = new("coordination.k8s.io", "v1", "leases", "Lease");
    public static readonly FakeResourceType Events = new("", "v1", "events", "Event");
    public static readonly FakeResourceType ResourceClaims = new("resource.k8s.io", "v1", "resourceclaims", "ResourceClaim");
    public static readonly FakeResourceType LlmInferenceServices = new("serving.kserve.io", "v1alpha2", "llminferenceservices", "LLMInferenceService");
    public static readonly FakeResourceType Pods = new("", "v1", "pods", "Pod");
    public static readonly FakeResourceType Deployments = new("apps", "v1", "deployments", "Deployment");

    /// <summary>What the fake serves. <see cref="LlmInferenceServices"/> only when <see cref="FakeKubernetesApiServer.ServeLlmInferenceServices"/> (its CRD installed).</summary>
    public static readonly IReadOnlyList<FakeResourceType> All = [InferenceServices, Leases, Events, ResourceClaims, LlmInferenceServices, Pods, Deployments];

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";
}

namespace GpuSharing.Fakes.Kubernetes;

/// <summary>
/// A resource the fake serves: group ("" for core), version (the one it stores), plural and kind, and the other
/// versions it may also be served in (objects converted by rewriting their apiVersion: the fields tests use are the
/// same in all of them).
/// </summary>
public sealed record FakeResourceType(string Group, string Version, string Plural, string Kind, params string[] OtherVersions)
{
    public static readonly FakeResourceType InferenceServices = new("serving.kserve.io", "v1beta1", "inferenceservices", "InferenceService");
    public static readonly FakeResourceType Leases = new("coordination.k8s.io", "v1", "leases", "Lease");
    public static readonly FakeResourceType Events = new("", "v1", "events", "Event");
    public static readonly FakeResourceType ResourceClaims = new("resource.k8s.io", "v1", "resourceclaims", "ResourceClaim");
    public static readonly FakeResourceType LlmInferenceServices = new("serving.kserve.io", "v1alpha2", "llminferenceservices", "LLMInferenceService", "v1alpha1");
    public static readonly FakeResourceType Pods = new("", "v1", "pods", "Pod");
    public static readonly FakeResourceType Deployments = new("apps", "v1", "deployments", "Deployment");

    /// <summary>What the fake serves. <see cref="LlmInferenceServices"/> only when <see cref="FakeKubernetesApiServer.ServeLlmInferenceServices"/> (its CRD installed).</summary>
    public static readonly IReadOnlyList<FakeResourceType> All = [InferenceServices, Leases, Events, ResourceClaims, LlmInferenceServices, Pods, Deployments];

    public string ApiVersion => ApiVersionOf(Version);

    public string ApiVersionOf(string version) => Group.Length == 0 ? version : $"{Group}/{version}";

    public bool IsServedIn(string version) => version == Version || OtherVersions.Contains(version);
}

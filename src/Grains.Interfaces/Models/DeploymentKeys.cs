namespace GpuSharing.Grains.Interfaces.Models;

/// <summary>
/// The key of a deployment's grains (model, SLO) and its name everywhere else (routes, metrics, the endpoint
/// directory): <c>{namespace}/{name}</c>. A deployment the KServe watcher makes for an LLMInferenceService carries
/// the kind in its name, <c>{name}.llminferenceservice</c>: Kubernetes names of InferenceServices and of REST
/// deployments are DNS labels (no dot), so an InferenceService and an LLMInferenceService of one name never share a
/// deployment, and neither meets a REST deployment.
/// </summary>
public static class DeploymentKeys
{
    public const string LlmInferenceServiceSuffix = ".llminferenceservice";

    public static string Of(string @namespace, string name) => $"{@namespace}/{name}";

    public static string ForLlmInferenceService(string @namespace, string name) => $"{@namespace}/{name}{LlmInferenceServiceSuffix}";

    /// <summary>The namespace part of a key.</summary>
    public static string NamespaceOf(string key) => key[..key.IndexOf('/', StringComparison.Ordinal)];

    /// <summary>The name part of a key, with the kind's suffix when it has one.</summary>
    public static string NameOf(string key) => key[(key.IndexOf('/', StringComparison.Ordinal) + 1)..];

    /// <summary>The object's own name when the key is an LLMInferenceService's; null otherwise.</summary>
    public static string? LlmInferenceServiceName(string name) =>
        name.EndsWith(LlmInferenceServiceSuffix, StringComparison.Ordinal) ? name[..^LlmInferenceServiceSuffix.Length] : null;
}

using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Gateway.KServe;

/// <summary>
/// A KServe resource the watcher reconciles: where the API serves it, and how its deployment is named. An
/// InferenceService's deployment is <c>{namespace}/{name}</c>, as it always was; an LLMInferenceService's carries the
/// kind (<see cref="DeploymentKeys.LlmInferenceServiceSuffix"/>), so objects of the two kinds with one name never
/// collide.
/// </summary>
public sealed class KServeKind
{
    public const string Group = "serving.kserve.io";

    /// <summary><c>serving.kserve.io/v1beta1</c> InferenceServices.</summary>
    public static readonly KServeKind InferenceService = new(["v1beta1"], "inferenceservices", "InferenceService", string.Empty);

    /// <summary>
    /// <c>LLMInferenceService</c>: <c>v1alpha1</c> only in KServe v0.16; <c>v1alpha1</c> and <c>v1alpha2</c> from v0.17
    /// on, stored as <c>v1alpha2</c> (the API server converts between them). The watcher reads and writes
    /// <c>v1alpha2</c> where it is served and <c>v1alpha1</c> where it is not: the fields it reads and writes
    /// (<c>model</c>, <c>replicas</c>, <c>template</c>, <c>worker</c>, <c>prefill</c>) are the same in both.
    /// </summary>
    public static readonly KServeKind LlmInferenceService = new(["v1alpha2", "v1alpha1"], "llminferenceservices", "LLMInferenceService", DeploymentKeys.LlmInferenceServiceSuffix);

    public static IReadOnlyList<KServeKind> All { get; } = [InferenceService, LlmInferenceService];

    private KServeKind(IReadOnlyList<string> versions, string plural, string kind, string keySuffix)
    {
        Versions = versions;
        Plural = plural;
        Kind = kind;
        KeySuffix = keySuffix;
    }

    /// <summary>The versions the watcher can read and write, the one it prefers first.</summary>
    public IReadOnlyList<string> Versions { get; }

    /// <summary>The version the watcher prefers.</summary>
    public string Version => Versions[0];

    public string Plural { get; }

    public string Kind { get; }

    public string ApiVersion => ApiVersionOf(Version);

    public static string ApiVersionOf(string version) => $"{Group}/{version}";

    /// <summary>The version part of an <c>apiVersion</c> (<c>serving.kserve.io/v1alpha1</c> → <c>v1alpha1</c>).</summary>
    public static string VersionOf(string apiVersion) => apiVersion[(apiVersion.IndexOf('/', StringComparison.Ordinal) + 1)..];

    /// <summary>What the name part of its deployment keys ends with (nothing for InferenceServices).</summary>
    public string KeySuffix { get; }

    public bool IsLlm => ReferenceEquals(this, LlmInferenceService);

    /// <summary>The kind an object says it is; an object that names no kind is an InferenceService (the original one).</summary>
    public static KServeKind Of(string? kind) =>
        string.Equals(kind, LlmInferenceService.Kind, StringComparison.Ordinal) ? LlmInferenceService : InferenceService;

    /// <summary>The kind whose deployment a key names.</summary>
    public static KServeKind OfKey(string key) =>
        DeploymentKeys.LlmInferenceServiceName(DeploymentKeys.NameOf(key)) is null ? InferenceService : LlmInferenceService;

    public string Key(string @namespace, string name) => DeploymentKeys.Of(@namespace, name + KeySuffix);

    /// <summary>The object's name in a key of this kind.</summary>
    public string ObjectName(string key)
    {
        var name = DeploymentKeys.NameOf(key);
        return KeySuffix.Length > 0 && name.EndsWith(KeySuffix, StringComparison.Ordinal) ? name[..^KeySuffix.Length] : name;
    }

    public override string ToString() => Kind;
}

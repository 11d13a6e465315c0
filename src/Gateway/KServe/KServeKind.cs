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
    public static readonly KServeKind InferenceService = new("v1beta1", "inferenceservices", "InferenceService", string.Empty);

    /// <summary>
    /// <c>LLMInferenceService</c>: served as <c>v1alpha1</c> and <c>v1alpha2</c> since KServe v0.20.0 and stored as
    /// <c>v1alpha2</c> (the API server converts between them), which is the version the watcher reads and writes.
    /// </summary>
    public static readonly KServeKind LlmInferenceService = new("v1alpha2", "llminferenceservices", "LLMInferenceService", DeploymentKeys.LlmInferenceServiceSuffix);

    public static IReadOnlyList<KServeKind> All { get; } = [InferenceService, LlmInferenceService];

    private KServeKind(string version, string plural, string kind, string keySuffix)
    {
        Version = version;
        Plural = plural;
        Kind = kind;
        KeySuffix = keySuffix;
    }

    public string Version { get; }

    public string Plural { get; }

    public string Kind { get; }

    public string ApiVersion => $"{Group}/{Version}";

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

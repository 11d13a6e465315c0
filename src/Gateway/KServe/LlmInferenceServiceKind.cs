namespace GpuSharing.Gateway.KServe;

/// <summary>
/// KServe's <c>LLMInferenceService</c>: served as <c>v1alpha1</c> and <c>v1alpha2</c> since KServe v0.20.0, stored as
/// <c>v1alpha2</c> (the API server converts between them), which is the version the watcher reads.
/// </summary>
public static class LlmInferenceServiceKind
{
    public const string Group = "serving.kserve.io";
    public const string Version = "v1alpha2";
    public const string Plural = "llminferenceservices";
    public const string Kind = "LLMInferenceService";
}

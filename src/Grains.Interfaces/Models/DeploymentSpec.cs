namespace GpuSharing.Grains.Interfaces.Models;

/// <summary>
/// A model deployment as its owner declares it. <see cref="Model"/> is a Hugging Face id or a catalog alias; an
/// unknown model needs <see cref="Architecture"/>. KV cache is sized for <see cref="MaxModelLen"/> ×
/// <see cref="MaxNumSeqs"/> tokens unless <see cref="KvCacheBytes"/> declares a budget; it may shrink to
/// <see cref="MinKvCacheBytes"/> (default: one sequence of MaxModelLen) where the target does not fit.
/// <see cref="MemoryLimitBytes"/> caps a replica's whole reservation (weights, KV cache, engine reserve): the KV cache
/// gets what the cap leaves. <see cref="Node"/> and <see cref="Gpu"/> pin the replicas. <see cref="ManagedBy"/> names
/// the controller that owns the deployment (<c>kserve</c> for the InferenceService watcher); others must not change it.
/// <see cref="Endpoints"/> are servers the owner runs, routed to besides any replica a node silo runs.
/// </summary>
[GenerateSerializer, Immutable, Alias("gpusharing.DeploymentSpec")]
public sealed record DeploymentSpec(
    string Model,
    Precision Precision,
    int? MaxModelLen,
    int? MaxNumSeqs,
    int Replicas,
    Priority Priority,
    Isolation? Isolation = null,
    SloSpec? Slo = null,
    ModelArchitecture? Architecture = null,
    long? KvCacheBytes = null,
    long? MinKvCacheBytes = null,
    int? MaxTensorParallel = null,
    bool KvCacheFp8 = false,
    string? Node = null,
    long? MemoryLimitBytes = null,
    int? Gpu = null,
    string? ManagedBy = null,
    DeclaredEndpoints? Endpoints = null)
{
    public Isolation EffectiveIsolation => Isolation ?? (Priority == Priority.High ? Models.Isolation.Exclusive : Models.Isolation.Shared);
}

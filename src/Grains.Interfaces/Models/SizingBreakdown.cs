namespace GpuSharing.Grains.Interfaces.Models;

/// <summary>Where a replica's memory goes: weights, KV cache (per token, target and minimum), the engine's activation reserve.</summary>
[GenerateSerializer, Immutable, Alias("gpusharing.SizingBreakdown")]
public sealed record SizingBreakdown(
    string ResolvedModel,
    ModelArchitecture Architecture,
    long WeightsBytes,
    long KvCacheBytesPerToken,
    long KvCacheTargetBytes,
    long KvCacheMinBytes,
    long ActivationBytes,
    int MaxModelLen,
    int MaxNumSeqs,
    long TotalBytes);

namespace GpuSharing.Grains.Interfaces.Models;

/// <summary>A sized deployment handed to the placement grain: what the engine needs and nothing else.</summary>
[GenerateSerializer, Immutable, Alias("gpusharing.PlacementRequest")]
public sealed record PlacementRequest(
    string Deployment,
    long Revision,
    int Replicas,
    Priority Priority,
    Isolation Isolation,
    long WeightsBytes,
    long KvTargetBytes,
    long KvMinBytes,
    long ActivationBytes,
    int MaxTensorParallel,
    string? Node,
    int? Gpu = null);

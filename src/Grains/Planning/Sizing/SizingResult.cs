using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Grains.Planning.Sizing;

/// <summary>A deployment's memory, itemized: the model it resolved to, weights, KV per token and in all, the activation reserve.</summary>
public sealed record SizingResult(
    string ResolvedModel,
    ModelArchitecture Architecture,
    Precision Precision,
    bool KvCacheFp8,
    int MaxModelLen,
    int MaxNumSeqs,
    long WeightsBytes,
    long KvBytesPerToken,
    long KvTargetBytes,
    long KvMinBytes,
    long ActivationBytes,
    int MaxTensorParallel)
{
    public ReplicaSize Replica => new(WeightsBytes, KvTargetBytes, KvMinBytes, ActivationBytes);

    public long TargetBytes => WeightsBytes + KvTargetBytes + ActivationBytes;
}

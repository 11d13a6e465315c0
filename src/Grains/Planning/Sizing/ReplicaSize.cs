namespace GpuSharing.Grains.Planning.Sizing;

/// <summary>
/// The memory one replica needs: weights, KV cache (a target, and the minimum below which it is not worth placing),
/// and the engine's activation reserve (paid once per tensor-parallel rank).
/// </summary>
public sealed record ReplicaSize(long WeightsBytes, long KvTargetBytes, long KvMinBytes, long ActivationBytes)
{
    /// <summary>
    /// Fits the replica on <paramref name="span"/> partitions of <paramref name="usablePerPartition"/> usable bytes
    /// each (tensor parallel splits weights and KV, every rank pays the activation reserve). The KV cache gets its
    /// target if it fits, else as much as fits down to its minimum; null when not even the minimum fits.
    /// </summary>
    public PartitionFit? Fit(long usablePerPartition, int span = 1)
    {
        var weightsPerRank = Ceil(WeightsBytes, span);
        var room = (usablePerPartition - weightsPerRank - ActivationBytes) * span;
        if (room < KvMinBytes)
        {
            return null;
        }

        var kv = Math.Min(KvTargetBytes, room);
        return new PartitionFit(span, weightsPerRank + ActivationBytes + Ceil(kv, span), kv, kv >= KvTargetBytes);
    }

    /// <summary>Bytes per partition at the KV target, whether or not it fits anywhere.</summary>
    public long TargetBytes(int span = 1) => Ceil(WeightsBytes, span) + ActivationBytes + Ceil(KvTargetBytes, span);

    /// <summary>Bytes per partition at the KV minimum.</summary>
    public long MinimumBytes(int span = 1) => Ceil(WeightsBytes, span) + ActivationBytes + Ceil(KvMinBytes, span);

    private static long Ceil(long value, int by) => (value + by - 1) / by;
}

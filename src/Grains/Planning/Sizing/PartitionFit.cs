namespace GpuSharing.Grains.Planning.Sizing;

/// <summary>How a replica fits a set of partitions: bytes reserved on each, the KV cache it gets in all, whether that is its full target.</summary>
public sealed record PartitionFit(int Span, long BytesPerPartition, long KvBytes, bool FullKv);

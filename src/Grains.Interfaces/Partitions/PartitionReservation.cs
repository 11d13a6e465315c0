namespace GpuSharing.Grains.Interfaces.Partitions;

/// <summary>Bytes of a partition's VRAM held for one deployment (<c>namespace/name</c>).</summary>
[GenerateSerializer, Immutable, Alias("gpusharing.PartitionReservation")]
public sealed record PartitionReservation(string Deployment, long Bytes);

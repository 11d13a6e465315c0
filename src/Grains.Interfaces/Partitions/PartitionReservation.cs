using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Grains.Interfaces.Partitions;

/// <summary>
/// Bytes of a partition's VRAM held for one replica of a deployment (<c>namespace/name</c>). A replica spans
/// <see cref="Span"/> partitions of its GPU from <see cref="FirstPartition"/> under tensor parallelism; its priority
/// isolation and the deployment's placement revision travel with it, so that the fleet's reservations alone say what may be preempted and what is alone.
/// </summary>
[GenerateSerializer, Immutable, Alias("gpusharing.PartitionReservation")]
public sealed record PartitionReservation(
    string Deployment,
    long Bytes,
    int Replica = 0,
    Priority Priority = Priority.Low,
    Isolation Isolation = Isolation.Shared,
    int FirstPartition = 0,
    int Span = 1,
    long Revision = 0);

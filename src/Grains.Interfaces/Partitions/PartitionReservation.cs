using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Grains.Interfaces.Partitions;

/// <summary>
/// Bytes of a partition's VRAM held for one replica of a deployment (<c>namespace/name</c>). A replica spans
/// <see cref="Span"/> partitions of its GPU from <see cref="FirstPartition"/> under tensor parallelism. Everything the
/// replica's placement and binding were computed from travels with it — priority, isolation, the deployment's
/// placement revision, the KV cache it was given and the request it was placed for — so that the fleet's reservations
/// alone say what may be preempted or moved, and an engine rebuilt from them binds the replica exactly as before.
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
    long Revision = 0,
    long KvCacheBytes = 0,
    bool FullKvCache = true,
    PlacementRequest? Request = null);

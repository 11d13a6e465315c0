namespace GpuSharing.Grains.Interfaces.Models;

/// <summary>Where a deployment's replicas stand, as the placement grain decided: reserved, waiting for a repartition, or unplaced.</summary>
[GenerateSerializer, Immutable, Alias("gpusharing.PlacementUpdate")]
public sealed record PlacementUpdate(
    string Deployment,
    long Revision,
    IReadOnlyList<ReplicaPlacement> Placements,
    IReadOnlyList<PendingReplica> Pending,
    IReadOnlyList<UnplacedReplicaInfo> Unplaced,
    string? PreemptedBy = null);

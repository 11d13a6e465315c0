namespace GpuSharing.Grains.Interfaces.Models;

/// <summary>A replica with no place, and why.</summary>
[GenerateSerializer, Immutable, Alias("gpusharing.UnplacedReplicaInfo")]
public sealed record UnplacedReplicaInfo(int Replica, PlacementExplanation Explanation);

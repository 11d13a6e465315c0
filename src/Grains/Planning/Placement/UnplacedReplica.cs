using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Grains.Planning.Placement;

public sealed record UnplacedReplica(string Deployment, int Replica, PlacementExplanation Explanation);

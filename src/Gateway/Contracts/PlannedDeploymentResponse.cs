using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Gateway.Contracts;

public sealed record PlannedDeploymentResponse(string Namespace, string Name, SizingBreakdown? Sizing, IReadOnlyList<PlacementResponse> Placements, IReadOnlyList<UnplacedReplicaInfo> Unplaced);

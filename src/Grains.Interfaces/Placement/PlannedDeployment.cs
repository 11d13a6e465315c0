using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Grains.Interfaces.Placement;

/// <summary>One deployment of a plan: its sizing and placements, or why it could not be sized or placed.</summary>
[GenerateSerializer, Immutable, Alias("gpusharing.PlannedDeployment")]
public sealed record PlannedDeployment(
    string Namespace,
    string Name,
    string? Error,
    string? ErrorField,
    bool InvalidInput,
    SizingBreakdown? Sizing,
    IReadOnlyList<ReplicaPlacement> Placements,
    IReadOnlyList<UnplacedReplicaInfo> Unplaced);

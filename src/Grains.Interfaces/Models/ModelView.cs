namespace GpuSharing.Grains.Interfaces.Models;

/// <summary>A deployment: its spec and generation, its status, its sizing, where its replicas are and how to bind to them, and why the rest are not placed.</summary>
[GenerateSerializer, Immutable, Alias("gpusharing.ModelView")]
public sealed record ModelView(
    string Namespace,
    string Name,
    long Generation,
    DeploymentSpec Spec,
    ModelStatus Status,
    string? Message,
    SizingBreakdown? Sizing,
    IReadOnlyList<ReplicaPlacement> Placements,
    IReadOnlyList<PendingReplica> Pending,
    PlacementExplanation? Explanation,
    DateTimeOffset UpdatedAt);

using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Gateway.Contracts;

/// <summary>
/// A deployment (contract §7): status, placements, binding (of replica 0; each placement carries its own) and the
/// explanation of what is not placed, with its spec, generation and sizing.
/// </summary>
public sealed record ModelResponse(
    string Namespace,
    string Name,
    long Generation,
    DeploymentSpec Spec,
    ModelStatus Status,
    string? Message,
    SizingBreakdown? Sizing,
    IReadOnlyList<PlacementResponse> Placements,
    ReplicaBinding? Binding,
    IReadOnlyList<PendingReplica> Pending,
    PlacementExplanation? Explanation,
    DateTimeOffset UpdatedAt);

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>
/// What one engine call decided. Replicas moved to make room show up as removed and assigned again (and in
/// <see cref="Moves"/>); <see cref="Removed"/> lists every reservation the plan takes away (preemptions, moves,
/// scale-downs, replaced specs); <see cref="Preemptions"/> only those that lost their place.
/// </summary>
public sealed record PlacementResult(
    IReadOnlyList<ReplicaAssignment> Assigned,
    IReadOnlyList<ReplicaAssignment> Removed,
    IReadOnlyList<RepartitionDecision> Repartitions,
    IReadOnlyList<MemoryModeDecision> MemoryModeChanges,
    IReadOnlyList<PreemptionDecision> Preemptions,
    IReadOnlyList<UnplacedReplica> Unplaced,
    IReadOnlyList<MoveDecision>? Moves = null)
{
    public IReadOnlyList<MoveDecision> Moves { get; init; } = Moves ?? [];
}

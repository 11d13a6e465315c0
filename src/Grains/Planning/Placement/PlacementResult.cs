namespace GpuSharing.Grains.Planning.Placement;

/// <summary>
/// What one engine call decided. Replicas that moved because another was preempted show up as removed and assigned
/// again; <see cref="Removed"/> lists every reservation the plan takes away (preemptions, scale-downs, replaced specs).
/// </summary>
public sealed record PlacementResult(
    IReadOnlyList<ReplicaAssignment> Assigned,
    IReadOnlyList<ReplicaAssignment> Removed,
    IReadOnlyList<RepartitionDecision> Repartitions,
    IReadOnlyList<MemoryModeDecision> MemoryModeChanges,
    IReadOnlyList<PreemptionDecision> Preemptions,
    IReadOnlyList<UnplacedReplica> Unplaced);

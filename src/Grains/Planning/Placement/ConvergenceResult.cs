namespace GpuSharing.Grains.Planning.Placement;

/// <summary>What converging came to: replicas that lost their place for good, replicas still without one (with the last reason given), rounds taken.</summary>
public sealed record ConvergenceResult(IReadOnlyList<PreemptionDecision> Preemptions, IReadOnlyList<UnplacedReplica> Unplaced, int Rounds);

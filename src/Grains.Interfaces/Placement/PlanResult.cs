namespace GpuSharing.Grains.Interfaces.Placement;

/// <summary>
/// A plan: per deployment its placements or explanation, the repartitions and preemptions it would make, the GPUs it
/// would use and the lower bound (and which bound) it is measured against.
/// </summary>
[GenerateSerializer, Immutable, Alias("gpusharing.PlanResult")]
public sealed record PlanResult(
    IReadOnlyList<PlannedDeployment> Deployments,
    IReadOnlyList<PlannedRepartition> Repartitions,
    IReadOnlyList<PlannedPreemption> Preemptions,
    int GpusUsed,
    int GpuCount,
    int LowerBound,
    string LowerBoundName,
    int VolumeBound,
    int SlotBound,
    bool HypotheticalFleet);

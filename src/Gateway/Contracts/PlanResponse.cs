using GpuSharing.Grains.Interfaces.Placement;

namespace GpuSharing.Gateway.Contracts;

/// <summary>A what-if plan: per deployment its placements or why not, the repartitions and preemptions, GPUs used beside the lower bound.</summary>
public sealed record PlanResponse(
    IReadOnlyList<PlannedDeploymentResponse> Deployments,
    IReadOnlyList<PlannedRepartition> Repartitions,
    IReadOnlyList<PlannedPreemption> Preemptions,
    int GpusUsed,
    int GpuCount,
    LowerBoundResponse LowerBound,
    int VolumeBound,
    int SlotBound,
    bool HypotheticalFleet);

namespace GpuSharing.Grains.Interfaces.Placement;

/// <summary>What-if: place these deployments on the real fleet as it is now, or on a hypothetical one; change nothing.</summary>
[GenerateSerializer, Immutable, Alias("gpusharing.PlanRequest")]
public sealed record PlanRequest(IReadOnlyList<PlanDeployment> Deployments, IReadOnlyList<PlanFleetGroup>? Fleet);

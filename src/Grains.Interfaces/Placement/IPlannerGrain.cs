namespace GpuSharing.Grains.Interfaces.Placement;

/// <summary>
/// What-if plans, off the decision path: a stateless worker (one per silo) plans on its own copy of the fleet, read from
/// the node grains, so that a large plan never waits for, or delays, a real placement. Key: 0.
/// </summary>
[Alias("gpusharing.IPlannerGrain")]
public interface IPlannerGrain : IGrainWithIntegerKey
{
    /// <summary>The placement the engine would make, changing nothing; cancelled (<see cref="OperationCanceledException"/>) when the token is.</summary>
    [Alias("Plan"), ResponseTimeout("00:02:00")]
    Task<PlanResult> PlanAsync(PlanRequest request, CancellationToken cancellationToken = default);
}

using GpuSharing.Grains.Interfaces.Placement;
using GpuSharing.Grains.Planning.Placement;
using GpuSharing.Grains.Planning.WhatIf;
using Orleans.Concurrency;

namespace GpuSharing.Grains.Placement;

/// <summary>
/// Plans on a copy of the fleet read from the node grains (their copies: a what-if need not read every partition), on
/// the thread pool, so that neither this silo's scheduler nor the placement grain waits for it. One per silo at a time:
/// plans queue behind each other rather than share two cores.
/// </summary>
[StatelessWorker(1)]
public sealed class PlannerGrain : Grain, IPlannerGrain
{
    public async Task<PlanResult> PlanAsync(PlanRequest request, CancellationToken cancellationToken = default)
    {
        var fleet = request.Fleet is { Count: > 0 }
            ? new FleetSnapshot([])
            : new FleetSnapshot((await new FleetReader(GrainFactory).ReadAsync(live: false, new Dictionary<string, PlanningGpu>(), [], cancellationToken)).Nodes);
        return await Task.Run(() => WhatIfPlanner.Plan(request, fleet, cancellationToken: cancellationToken), cancellationToken);
    }
}

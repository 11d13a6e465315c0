using GpuSharing.Grains.Activation;
using GpuSharing.Grains.Interfaces.Fleet;
using GpuSharing.Grains.Storage;

namespace GpuSharing.Grains.Fleet;

/// <summary>The nodes of a pool, in name order. A node stays listed when its silo is down, so its GPUs show as Unreachable.</summary>
[ControlPlanePlacement]
public sealed class FleetGrain(
    [PersistentState("fleet", StorageNames.ControlPlane)] IPersistentState<FleetGrainState> state) : Grain, IFleetGrain
{
    public async Task AddNodeAsync(string node, CancellationToken cancellationToken = default)
    {
        if (state.State.Nodes.Add(node))
        {
            await state.WriteOrRestartAsync(GrainContext, cancellationToken);
        }
    }

    public Task<IReadOnlyList<string>> GetNodesAsync() => Task.FromResult<IReadOnlyList<string>>([.. state.State.Nodes]);
}

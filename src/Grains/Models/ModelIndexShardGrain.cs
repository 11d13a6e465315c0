using GpuSharing.Grains.Activation;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Storage;

namespace GpuSharing.Grains.Models;

/// <summary>A persisted part of a pool's deployment index; see <see cref="IModelIndexShardGrain"/>.</summary>
[ControlPlanePlacement]
public sealed class ModelIndexShardGrain(
    [PersistentState("models", StorageNames.ControlPlane)] IPersistentState<ModelIndexShardGrainState> state) : Grain, IModelIndexShardGrain
{
    public async Task AddAsync(string deployment, CancellationToken cancellationToken = default)
    {
        if (state.State.Deployments.Add(deployment))
        {
            await state.WriteOrRestartAsync(GrainContext, cancellationToken);
        }
    }

    public async Task RemoveAsync(string deployment, CancellationToken cancellationToken = default)
    {
        if (state.State.Deployments.Remove(deployment))
        {
            await state.WriteOrRestartAsync(GrainContext, cancellationToken);
        }
    }

    public Task<IReadOnlyList<string>> ListAsync(string? @namespace = null)
    {
        IEnumerable<string> deployments = state.State.Deployments;
        if (@namespace is not null)
        {
            var prefix = @namespace + "/";
            deployments = deployments.Where(d => d.StartsWith(prefix, StringComparison.Ordinal));
        }

        return Task.FromResult<IReadOnlyList<string>>([.. deployments]);
    }
}

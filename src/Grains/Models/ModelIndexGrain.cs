using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Placement;
using Microsoft.Extensions.Logging;

namespace GpuSharing.Grains.Models;

/// <summary>The deployments of a pool, in name order; see <see cref="IModelIndexGrain"/>.</summary>
[ControlPlanePlacement]
public sealed partial class ModelIndexGrain(
    [PersistentState("models", StorageNames.ControlPlane)] IPersistentState<ModelIndexGrainState> state,
    ILogger<ModelIndexGrain> logger) : Grain, IModelIndexGrain
{
    public async Task AddAsync(string deployment, CancellationToken cancellationToken = default)
    {
        if (state.State.Deployments.Add(deployment))
        {
            await state.WriteStateAsync(cancellationToken);
        }
    }

    public async Task RemoveAsync(string deployment, CancellationToken cancellationToken = default)
    {
        if (state.State.Deployments.Remove(deployment))
        {
            await state.WriteStateAsync(cancellationToken);
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

    public Task ResumeAsync()
    {
        LogResuming(logger, state.State.Deployments.Count);
        foreach (var deployment in state.State.Deployments)
        {
            // One-way: each deployment decides for itself whether it is waiting.
            _ = GrainFactory.GetGrain<IModelGrain>(deployment).ResumeAsync();
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Asking {Count} deployment(s) to submit themselves again if they wait for room")]
    private static partial void LogResuming(ILogger logger, int count);
}

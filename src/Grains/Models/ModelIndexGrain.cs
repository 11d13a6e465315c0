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
    /// <summary>How many changes the feed keeps; a reader further behind looks at everything.</summary>
    private const int FeedLength = 50_000;

    // The feed is memory only: a new activation starts a new epoch, and readers of the old one resync.
    private readonly Guid _epoch = Guid.NewGuid();
    private readonly Queue<(long Sequence, string Deployment)> _feed = new();
    private long _sequence;

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

    public Task ChangedAsync(string deployment)
    {
        _feed.Enqueue((++_sequence, deployment));
        while (_feed.Count > FeedLength)
        {
            _feed.Dequeue();
        }

        return Task.CompletedTask;
    }

    public Task<ModelChanges> ChangesAsync(ModelChangeCursor? since)
    {
        var cursor = new ModelChangeCursor(_epoch, _sequence);
        var oldest = _feed.Count == 0 ? _sequence + 1 : _feed.Peek().Sequence;
        if (since is null || since.Epoch != _epoch || since.Sequence + 1 < oldest)
        {
            return Task.FromResult(new ModelChanges(cursor, [], Complete: since is null));
        }

        var changed = _feed.Where(c => c.Sequence > since.Sequence).Select(c => c.Deployment).Distinct(StringComparer.Ordinal).ToList();
        return Task.FromResult(new ModelChanges(cursor, changed, Complete: true));
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

using GpuSharing.Grains.Activation;
using GpuSharing.Grains.Interfaces.Models;
using Microsoft.Extensions.Logging;

namespace GpuSharing.Grains.Models;

/// <summary>The deployments of a pool across its shards, and their change feed; see <see cref="IModelIndexGrain"/>.</summary>
[ControlPlanePlacement]
public sealed partial class ModelIndexGrain(ILogger<ModelIndexGrain> logger) : Grain, IModelIndexGrain
{
    /// <summary>How many changes the feed keeps; a reader further behind looks at everything.</summary>
    private const int FeedLength = 50_000;

    // The feed is memory only: a new activation starts a new epoch, and readers of the old one resync.
    private readonly Guid _epoch = Guid.NewGuid();
    private readonly Queue<(long Sequence, string Deployment)> _feed = new();
    private long _sequence;

    public async Task<IReadOnlyList<string>> ListAsync(string? @namespace = null)
    {
        var pool = this.GetPrimaryKeyString();
        var shards = await Task.WhenAll(Enumerable.Range(0, ModelIndexShards.Count).Select(i => GrainFactory.GetGrain<IModelIndexShardGrain>(ModelIndexShards.Key(pool, i)).ListAsync(@namespace)));
        return [.. shards.SelectMany(s => s).Order(StringComparer.Ordinal)];
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

    public async Task ResumeAsync()
    {
        var deployments = await ListAsync();
        LogResuming(logger, deployments.Count);
        foreach (var deployment in deployments)
        {
            // One-way: each deployment decides for itself whether it is waiting.
            _ = GrainFactory.GetGrain<IModelGrain>(deployment).ResumeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Asking {Count} deployment(s) to submit themselves again if they wait for room")]
    private static partial void LogResuming(ILogger logger, int count);
}

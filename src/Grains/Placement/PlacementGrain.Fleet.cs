using GpuSharing.Grains.Planning.Placement;
using Microsoft.Extensions.Logging;

namespace GpuSharing.Grains.Placement;

/// <summary>The fleet the engine decides on.</summary>
public sealed partial class PlacementGrain
{
    /// <summary>
    /// Builds the engine from the fleet when its picture is old or known to be wrong. This grain makes every
    /// reservation, and the nodes' copies lag behind them (partitions report one-way through their GPU, and nodes write
    /// behind): on a GPU whose layout is unchanged the engine's own reservations are the truth. The partition grains
    /// themselves are read (<paramref name="live"/>) on first read, after a partition refused what the engine believed,
    /// and by reconciliation.
    /// </summary>
    private async Task EnsureFleetAsync(CancellationToken cancellationToken, bool live = false)
    {
        var age = time.GetUtcNow() - _builtAt;
        if (!live && ((!_dirty && age < FleetMaxAge) || (_jobs.Count > 0 && age < TimeSpan.FromMinutes(1))))
        {
            return; // while repartitions run, the engine's plan (with their waiting replicas) stays the truth
        }

        live |= _readFleetAfresh;

        // Releases still owed are delivered first, so that the read does not find what is about to go.
        await DeliverPendingReleasesAsync(cancellationToken);
        var keep = live
            ? new Dictionary<string, PlanningGpu>(StringComparer.Ordinal)
            : _engine.Snapshot().Nodes.SelectMany(n => n.Gpus.Select(g => (Key: Gpu(n.Name, g.Index), Gpu: g))).ToDictionary(x => x.Key, x => x.Gpu, StringComparer.Ordinal);
        var read = await new FleetReader(GrainFactory).ReadAsync(live, keep, _pendingReleases, cancellationToken);

        var revisions = read.Revisions;
        foreach (var reservation in read.Nodes.SelectMany(n => n.Gpus).SelectMany(g => g.Reservations))
        {
            if (!revisions.ContainsKey(reservation.Deployment))
            {
                revisions[reservation.Deployment] = _revisions.GetValueOrDefault(reservation.Deployment);
            }
        }

        foreach (var (deployment, request) in read.Requests)
        {
            _requests.TryAdd(deployment, request);
        }

        foreach (var (deployment, request) in _requests)
        {
            revisions.TryAdd(deployment, request.Revision);
        }

        _gpus.Clear();
        foreach (var (key, gpu) in read.Gpus)
        {
            _gpus[key] = gpu;
        }

        _engine = new PlacementEngine(new FleetSnapshot(read.Nodes));
        _revisions = revisions;
        _builtAt = time.GetUtcNow();
        _dirty = false;
        _readFleetAfresh = false;
        LogFleetRead(logger, read.Nodes.Count, read.Nodes.Sum(n => n.Gpus.Count), revisions.Count, live);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Fleet read: {Nodes} node(s), {Gpus} GPU(s), {Deployments} deployment(s) holding reservations (from the partitions: {Live})")]
    private static partial void LogFleetRead(ILogger logger, int nodes, int gpus, int deployments, bool live);
}

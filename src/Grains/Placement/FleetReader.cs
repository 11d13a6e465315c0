using GpuSharing.Grains.Hardware.Catalog;
using GpuSharing.Grains.Interfaces;
using GpuSharing.Grains.Interfaces.Fleet;
using GpuSharing.Grains.Interfaces.Gpus;
using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Nodes;
using GpuSharing.Grains.Planning.Placement;

namespace GpuSharing.Grains.Placement;

/// <summary>
/// Reads the fleet for the placement engine: nodes (memory mode, reachability) from their node grains, and each GPU's
/// layout and reservations — from the node's copy, which its GPUs report one-way and write behind, or, when
/// <c>live</c>, from the GPU grains reading their partition grains now (the truth; a node that is down has only its
/// node's copy). A reservation carries the request it was placed for, which becomes the engine's demand.
/// </summary>
internal sealed class FleetReader(IGrainFactory grains)
{
    /// <param name="keep">GPUs whose reservations the caller already knows better (the engine's own, on an unchanged layout).</param>
    /// <param name="releasing">
    /// Releases owed to nodes that are down: their reservations are left out (nothing is placed on a node that is
    /// down, and the deployment may already hold a place elsewhere that the stale one must not displace).
    /// </param>
    public async Task<FleetRead> ReadAsync(bool live, IReadOnlyDictionary<string, PlanningGpu> keep, IReadOnlyCollection<PendingRelease> releasing, CancellationToken cancellationToken)
    {
        var names = await grains.GetGrain<IFleetGrain>(Pools.Default).GetNodesAsync().WaitAsync(cancellationToken);
        var views = await Task.WhenAll(names.Select(n => grains.GetGrain<INodeGrain>(n).GetAsync().WaitAsync(cancellationToken)));
        var read = new FleetRead();
        foreach (var view in views)
        {
            var gpus = new List<PlanningGpu>();
            var devices = live && view.Reachable ? await LiveAsync(view, cancellationToken) : view.Gpus;
            foreach (var gpu in devices)
            {
                read.Gpus[GrainKeys.Gpu(view.Name, gpu.Index)] = gpu;
                if (GpuCatalog.Find(gpu.Model) is not { } family || gpu.ComputeMode is not { } mode)
                {
                    continue;
                }

                var partitionBytes = gpu.Partitions.Count > 0 ? gpu.Partitions.Min(p => p.VramBytes) : gpu.VramBytes / (int)mode;
                IReadOnlyList<PlanningReservation> reservations;
                if (!live && keep.TryGetValue(GrainKeys.Gpu(view.Name, gpu.Index), out var before) && before.ComputeMode == mode && before.PartitionBytes == partitionBytes)
                {
                    reservations = before.Reservations;
                }
                else
                {
                    reservations = [.. gpu.Partitions
                        .SelectMany(p => p.Reservations.Where(r => view.Reachable || !releasing.Any(o => o.Node == view.Name && o.Gpu == gpu.Index && o.Deployment == r.Deployment && o.FirstPartition <= p.Index && p.Index < o.FirstPartition + o.Span)))
                        .GroupBy(r => r.Deployment, StringComparer.Ordinal)
                        .Select(g => g.First())
                        .Select(r =>
                        {
                            read.Revisions[r.Deployment] = r.Revision;
                            var request = r.Request is { } placedFor && placedFor.Revision == r.Revision ? placedFor : null;
                            if (request is not null)
                            {
                                read.Requests.TryAdd(r.Deployment, request);
                            }

                            return new PlanningReservation(r.Deployment, r.Replica, r.FirstPartition, r.Span, r.Bytes, r.Priority, r.Isolation, r.KvCacheBytes, r.FullKvCache, request is null ? null : Demand(request));
                        })];
                }

                var schedulable = gpu.State == GpuState.Ready && gpu.Operation is not { IsRunning: true };
                gpus.Add(new PlanningGpu(gpu.Index, family, mode, partitionBytes, schedulable, reservations));
            }

            read.Nodes.Add(new PlanningNode(view.Name, view.MemoryMode ?? MemoryMode.NPS1, view.Reachable, gpus));
        }

        return read;
    }

    public static PlacementDemand Demand(PlacementRequest r) =>
        new(r.Deployment, r.Replicas, r.Priority, r.Isolation, new Planning.Sizing.ReplicaSize(r.WeightsBytes, r.KvTargetBytes, r.KvMinBytes, r.ActivationBytes), r.MaxTensorParallel, r.Node, r.Gpu);

    // A GPU that cannot be read now (its silo going away) keeps the node's copy.
    private async Task<IReadOnlyList<GpuView>> LiveAsync(NodeView view, CancellationToken cancellationToken) =>
        await Task.WhenAll(view.Gpus.Select(async copy =>
        {
            try
            {
                return await grains.GetGrain<IGpuGrain>(GrainKeys.Gpu(view.Name, copy.Index)).GetLiveAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                return copy;
            }
        }));
}

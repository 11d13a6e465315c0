using GpuSharing.Gateway.Contracts;
using GpuSharing.Gateway.KServe;
using Microsoft.Extensions.Options;

namespace GpuSharing.Gateway.Apis;

/// <summary><c>/api/v1/kserve</c>: what this replica's KServe watcher (InferenceServices and LLMInferenceServices) is doing.</summary>
public static class KServeApi
{
    public static RouteGroupBuilder MapKServeApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/kserve").WithTags("KServe");
        group.MapGet("/", GetStatus).WithName("GetKServeWatcher").WithSummary("This replica's watcher: enabled, leading, synced, objects cached (both kinds), keys queued, reconciles, writes sent, lists, periodic resyncs, and whether the pods and Deployments of the objects are listed.");
        return group;
    }

    public static KServeWatcherResponse GetStatus(
        IOptions<KServeOptions> options,
        KServeWatcherStatus status,
        WatcherIdentity identity,
        InferenceServiceCache cache,
        WorkloadCache workloads,
        ReconcileQueue queue) =>
        new(
            options.Value.Enabled,
            identity.Name,
            status.IsLeader,
            status.LeadingSince,
            cache.Synced,
            cache.Count,
            queue.Pending,
            status.Reconciles,
            status.Writes,
            status.Lists,
            status.Resyncs,
            workloads.Synced);
}

using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace GpuSharing.Gateway.KServe;

/// <summary>
/// The InferenceService watcher's metrics (meter <c>GpuSharing.KServe</c>), read from its status: whether this replica
/// leads and is synced, the objects it watches, its queue, and its reconciles, writes, conflicts and relists.
/// </summary>
public sealed class KServeMetrics
{
    public const string MeterName = "GpuSharing.KServe";

    public KServeMetrics(IMeterFactory meters, KServeWatcherStatus status, InferenceServiceCache cache, ReconcileQueue queue, IOptions<KServeOptions> options)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("aim_kserve_enabled", () => options.Value.Enabled ? 1 : 0, description: "1 when this gateway replica runs the InferenceService watcher (GpuSharing:KServe:Enabled).");
        meter.CreateObservableGauge("aim_kserve_leader", () => status.IsLeader ? 1 : 0, description: "1 while this gateway replica's watcher holds the lease.");
        meter.CreateObservableGauge("aim_kserve_synced", () => status.IsLeader && cache.Synced ? 1 : 0, description: "1 once the leading watcher has listed every watched namespace.");
        meter.CreateObservableGauge("aim_kserve_objects", () => cache.Count, description: "InferenceServices in the watcher's cache.");
        meter.CreateObservableGauge("aim_kserve_queue_depth", () => queue.Pending, description: "InferenceServices waiting to be reconciled.");
        meter.CreateObservableCounter("aim_kserve_reconciles", () => status.Reconciles, description: "Reconciles run.");
        meter.CreateObservableCounter("aim_kserve_writes", () => status.Writes, description: "Writes to the API server (patches, Events, claims).");
        meter.CreateObservableCounter("aim_kserve_conflicts", () => status.Conflicts, description: "Writes the API server refused with 409 Conflict (retried).");
        meter.CreateObservableCounter("aim_kserve_relists", () => status.Lists, description: "Full lists (at start, and after a watch expired with 410 Gone).");
    }
}

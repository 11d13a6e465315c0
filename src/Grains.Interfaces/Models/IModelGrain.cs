using Orleans.Concurrency;

namespace GpuSharing.Grains.Interfaces.Models;

/// <summary>
/// A model deployment, key <c>{namespace}/{name}</c>. It sizes its spec, asks the placement grain for room, and keeps
/// status, placements, bindings and the explanation of its last placement. Apply is idempotent by generation.
/// </summary>
[Alias("gpusharing.IModelGrain")]
public interface IModelGrain : IGrainWithStringKey
{
    /// <summary>
    /// Sets the desired spec. A generation older than the stored one is ignored; the same generation and spec change
    /// nothing. A deployment a controller manages (its stored <see cref="DeploymentSpec.ManagedBy"/>) takes specs from
    /// that controller only: checked here, where the check and the write cannot be raced.
    /// </summary>
    [Alias("Apply"), ResponseTimeout("00:02:00")]
    Task<ApplyResult> ApplyAsync(DeploymentSpec spec, long generation, CancellationToken cancellationToken = default);

    [Alias("Get"), AlwaysInterleave]
    Task<ModelView?> GetAsync();

    /// <summary>
    /// Releases every reservation and forgets the deployment, when <paramref name="managedBy"/> is its owner (null for
    /// the REST API, a controller's name for what that controller manages).
    /// </summary>
    [Alias("Delete"), ResponseTimeout("00:02:00")]
    Task<DeleteOutcome> DeleteAsync(string? managedBy, CancellationToken cancellationToken = default);

    /// <summary>The placement grain reports a change it made (a repartition finished, a preemption, room found).</summary>
    [Alias("PlacementChanged"), OneWay]
    Task PlacementChangedAsync(PlacementUpdate update);

    /// <summary>
    /// Checks where it stands with the placement grain now (it restarted, or reconciliation sweeps): not fully placed, it
    /// submits itself again; placed, it asks and takes the answer (the partitions' reservations); deleted (or lost by
    /// storage), it releases whatever is still held under its name.
    /// </summary>
    [Alias("Resume"), OneWay]
    Task ResumeAsync();

    /// <summary>Its workload is serving (reported by the KServe watcher).</summary>
    [Alias("MarkRunning")]
    Task<ModelView?> MarkRunningAsync(long generation, CancellationToken cancellationToken = default);
}

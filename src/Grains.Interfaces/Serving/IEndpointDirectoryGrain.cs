namespace GpuSharing.Grains.Interfaces.Serving;

/// <summary>
/// The replica endpoints of a pool (key: the pool, <c>default</c>). Each reporter — a node silo's runtime, the KServe
/// watcher — reports its whole set again and again; a set not reported again within the expiry is dropped, so the
/// directory needs no storage and heals after any crash within that time. Whether an endpoint answers is the
/// gateway's to check: the directory says where replicas should be, not that they are up.
/// </summary>
[Alias("gpusharing.IEndpointDirectoryGrain")]
public interface IEndpointDirectoryGrain : IGrainWithStringKey
{
    /// <summary>Replaces everything <paramref name="reporter"/> reported before (e.g. <c>node:node-a</c>).</summary>
    [Alias("Report")]
    Task ReportAsync(string reporter, IReadOnlyList<ReplicaEndpoint> endpoints, CancellationToken cancellationToken = default);

    [Alias("List")]
    Task<EndpointDirectoryView> ListAsync(CancellationToken cancellationToken = default);
}

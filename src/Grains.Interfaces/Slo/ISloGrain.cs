namespace GpuSharing.Grains.Interfaces.Slo;

/// <summary>
/// A deployment's SLO (key <c>{namespace}/{name}</c>). Gateways send samples in batches (one call per deployment per
/// second at most, never one per request); targets come from the deployment's spec. Survives silo restarts.
/// </summary>
[Alias("gpusharing.ISloGrain")]
public interface ISloGrain : IGrainWithStringKey
{
    [Alias("Record")]
    Task RecordAsync(IReadOnlyList<SloSample> samples, CancellationToken cancellationToken = default);

    [Alias("Get")]
    Task<SloView> GetAsync(CancellationToken cancellationToken = default);
}

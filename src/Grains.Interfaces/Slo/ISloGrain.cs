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

    /// <summary>Forgets every sample: the deployment was deleted, and one created again under its name starts afresh.</summary>
    [Alias("Forget")]
    Task ForgetAsync(CancellationToken cancellationToken = default);

    /// <summary>The last <paramref name="minutes"/> minutes (1 to 1,440), oldest first, one point per minute (empty minutes included).</summary>
    [Alias("History")]
    Task<IReadOnlyList<SloHistoryPoint>> GetHistoryAsync(int minutes, CancellationToken cancellationToken = default);
}

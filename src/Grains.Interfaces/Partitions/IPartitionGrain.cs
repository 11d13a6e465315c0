namespace GpuSharing.Grains.Interfaces.Partitions;

/// <summary>
/// One compute partition, key <c>{node}/{gpuIndex}/{partitionIndex}</c>, placed with its GPU. It is the authority
/// for its reservations and refuses any that would over-commit it, whoever asks.
/// </summary>
[Alias("gpusharing.IPartitionGrain")]
public interface IPartitionGrain : IGrainWithStringKey
{
    [Alias("Get")]
    Task<PartitionView> GetAsync();

    /// <summary>
    /// Reserves (or resizes) one replica's share; idempotent for the same reservation. Refused when it would exceed the
    /// partition's VRAM, when an exclusive replica would not be alone, or while the GPU is being reconfigured.
    /// </summary>
    [Alias("Reserve")]
    Task<ReservationResult> ReserveAsync(PartitionReservation reservation, CancellationToken cancellationToken = default);

    /// <summary>Releases the deployment's reservation; true if there was one.</summary>
    [Alias("Release")]
    Task<bool> ReleaseAsync(string deployment, CancellationToken cancellationToken = default);

    /// <summary>Called by the GPU after a verified read: the partition exists with this shape.</summary>
    [Alias("Configure")]
    Task<PartitionView> ConfigureAsync(PartitionSpec spec, CancellationToken cancellationToken = default);

    /// <summary>Stops new reservations for a reconfiguration and returns the reservations that block it.</summary>
    [Alias("Freeze")]
    Task<IReadOnlyList<PartitionReservation>> FreezeAsync(string operationId, CancellationToken cancellationToken = default);

    /// <summary>Ends a freeze when the reconfiguration did not change this partition.</summary>
    [Alias("Thaw")]
    Task ThawAsync(string operationId, CancellationToken cancellationToken = default);

    /// <summary>The partition no longer exists in the GPU's layout. Refused (false) while it holds reservations.</summary>
    [Alias("Retire")]
    Task<bool> RetireAsync(string operationId, CancellationToken cancellationToken = default);
}

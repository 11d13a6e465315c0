using GpuSharing.Grains.Interfaces.Models;
using Orleans.Concurrency;

namespace GpuSharing.Grains.Interfaces.Placement;

/// <summary>
/// The single decision point of a pool (key: pool name, <c>default</c>): it holds the placement engine over the
/// fleet, decides where every replica goes, drives the repartitions its decisions need, and reserves partitions.
/// Deployments that do not fit wait in its queue and are placed again when room appears.
/// </summary>
[Alias("gpusharing.IPlacementGrain")]
public interface IPlacementGrain : IGrainWithStringKey
{
    [Alias("Place"), ResponseTimeout("00:02:00")]
    Task<PlacementUpdate> PlaceAsync(PlacementRequest request, CancellationToken cancellationToken = default);

    [Alias("Release"), ResponseTimeout("00:02:00")]
    Task ReleaseAsync(string deployment, CancellationToken cancellationToken = default);

    /// <summary>A node's GPUs changed (state, layout, reachability): rebuild the fleet view before the next decision.</summary>
    [Alias("FleetChanged"), OneWay]
    Task FleetChangedAsync(string node);
}

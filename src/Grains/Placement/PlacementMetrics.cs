using System.Diagnostics.Metrics;

namespace GpuSharing.Grains.Placement;

/// <summary>
/// What the placement grain repairs and refuses, as counters of the <c>GpuSharing.Placement</c> meter (exported with
/// the rest of the control plane's metrics). Every repair is also a log line.
/// </summary>
internal static class PlacementMetrics
{
    public const string MeterName = "GpuSharing.Placement";

    private static readonly Meter Meter = new(MeterName);

    public static Counter<long> ReleasesQueued { get; } = Meter.CreateCounter<long>("gpusharing.placement.releases.queued", description: "Releases that could not be delivered at once (node unreachable) and were queued.");

    public static Counter<long> ReleasesDelivered { get; } = Meter.CreateCounter<long>("gpusharing.placement.releases.delivered_late", description: "Queued releases delivered once their node was back.");

    public static Counter<long> Repairs { get; } = Meter.CreateCounter<long>("gpusharing.placement.reconciliation.repairs", description: "Repairs made by reconciliation, by kind: orphan_released, placement_corrected, deployment_resubmitted.");

    public static Counter<long> ReservationsRefused { get; } = Meter.CreateCounter<long>("gpusharing.placement.reservations.refused", description: "Reservations a partition refused (the engine's view was wrong); the fleet is read afresh.");
}

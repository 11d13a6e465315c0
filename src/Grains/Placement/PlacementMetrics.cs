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

    public static Counter<long> Decisions { get; } = Meter.CreateCounter<long>("aim_scheduler_decisions", description: "Placement decisions by outcome: placed (every replica reserved), pending (waiting for a repartition), unplaced (some replica fits nowhere).");

    public static Histogram<double> DecisionDuration { get; } = Meter.CreateHistogram("aim_scheduler_decision_duration", "s", "Time from a placement request to its decision carried out (engine and reservations).", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    public static Counter<long> Preemptions { get; } = Meter.CreateCounter<long>("aim_scheduler_preemptions", description: "Replicas preempted for a higher priority.");

    public static Counter<long> RepartitionsRequested { get; } = Meter.CreateCounter<long>("aim_scheduler_repartitions_requested", description: "Repartitions (compute or memory mode) the scheduler asked nodes for.");

    public static Counter<long> ReservationsRefused { get; } = Meter.CreateCounter<long>("gpusharing.placement.reservations.refused", description: "Reservations a partition refused (the engine's view was wrong); the fleet is read afresh.");
}

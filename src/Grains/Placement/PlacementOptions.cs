using System.ComponentModel.DataAnnotations;

namespace GpuSharing.Grains.Placement;

/// <summary>The placement grain's settings (<c>GpuSharing:Placement</c>).</summary>
public sealed class PlacementOptions
{
    public const string SectionName = "GpuSharing:Placement";

    /// <summary>
    /// How often the fleet is consolidated while nothing else is going on (no repartition running): replicas that
    /// arrival order left worse placed than a batch plan would are moved — never losing a place to an equal priority —
    /// where that places more replicas or frees GPUs. Moving restarts the moved replicas. Zero turns it off.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan ConsolidationInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How often reservations and deployments are reconciled: releases that could not be delivered are retried, the
    /// fleet is read afresh from the partition grains, reservations whose deployment is gone are released, and
    /// deployments whose reservations changed or vanished are told (and placed again). Zero turns it off.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan ReconciliationInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often a deployment that is not fully placed asks for room again, and a deployment whose last call to the
    /// placement grain went unanswered (a silo lost mid-call, a timeout) asks again — so that none waits for a
    /// notification that was lost.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(15);
}

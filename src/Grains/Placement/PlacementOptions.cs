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
}

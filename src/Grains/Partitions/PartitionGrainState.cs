using GpuSharing.Grains.Interfaces.Partitions;

namespace GpuSharing.Grains.Partitions;

/// <summary>A partition's shape and reservations. <see cref="FrozenBy"/> names the reconfiguration that stopped reservations.</summary>
[GenerateSerializer, Alias("gpusharing.PartitionGrainState")]
public sealed class PartitionGrainState
{
    [Id(0)]
    public PartitionSpec? Spec { get; set; }

    [Id(1)]
    public bool Retired { get; set; }

    [Id(2)]
    public string? FrozenBy { get; set; }

    /// <summary>By deployment: a partition never holds two replicas of one deployment.</summary>
    [Id(3)]
    public Dictionary<string, PartitionReservation> Reservations { get; set; } = new(StringComparer.Ordinal);
}

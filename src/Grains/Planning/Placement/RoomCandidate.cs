using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>
/// Room on one GPU for a replica: the partitions it would take (in <see cref="Mode"/>, from <see cref="First"/>) once
/// <see cref="Victims"/> are taken off. Ordered by what it costs at first sight — victims of the replica's own priority
/// (which must be moved, never lost), then all victims, their priorities and memory, a repartition, the share of the
/// GPU the replica takes — to choose which candidates are tried in full.
/// </summary>
internal sealed record RoomCandidate(int Gpu, ComputeMode Mode, int First, int Span, IReadOnlyList<SlotReservation> Victims, Priority For, bool Repartition) : IComparable<RoomCandidate>
{
    public double Fraction => (double)Span / (int)Mode;

    public int CompareTo(RoomCandidate? other)
    {
        if (other is null)
        {
            return -1;
        }

        return (Victims.Count(v => v.Priority == For), Victims.Count, Victims.Sum(v => (int)v.Priority), Victims.Sum(v => v.Bytes * v.Span), Repartition, Fraction, Gpu, First, Mode)
            .CompareTo((other.Victims.Count(v => v.Priority == other.For), other.Victims.Count, other.Victims.Sum(v => (int)v.Priority), other.Victims.Sum(v => v.Bytes * v.Span), other.Repartition, other.Fraction, other.Gpu, other.First, other.Mode));
    }
}

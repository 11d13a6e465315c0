using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>Room on one GPU made by evicting some replicas.</summary>
internal sealed record PreemptionCandidate(int Gpu, ComputeMode Mode, int First, int Span, IReadOnlyList<SlotReservation> Victims) : IComparable<PreemptionCandidate>
{
    public int CompareTo(PreemptionCandidate? other)
    {
        if (other is null)
        {
            return -1;
        }

        var byCount = Victims.Count.CompareTo(other.Victims.Count);
        if (byCount != 0)
        {
            return byCount;
        }

        var byPriority = Victims.Sum(v => (int)v.Priority).CompareTo(other.Victims.Sum(v => (int)v.Priority));
        if (byPriority != 0)
        {
            return byPriority;
        }

        var byBytes = Victims.Sum(v => v.Bytes * v.Span).CompareTo(other.Victims.Sum(v => v.Bytes * v.Span));
        return byBytes != 0 ? byBytes : (Gpu, First, Mode).CompareTo((other.Gpu, other.First, other.Mode));
    }
}

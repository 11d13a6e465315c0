namespace GpuSharing.Grains.Planning.Placement;

/// <summary>
/// What trying a <see cref="RoomCandidate"/> in full came to. Better is, in order: fewer replicas left without a place
/// (high, then medium, then low — PLACEMENT.md's first objective), fewer moved replicas given a smaller KV cache, fewer
/// replicas taken off their partitions at all (then lower priorities, less memory), the replica's full KV cache, fewer
/// GPUs in use, no repartition, a smaller share of its GPU for the replica; then the candidate's own order.
/// </summary>
internal sealed record RoomOutcome(RoomCandidate Candidate, int LostHigh, int LostMedium, int LostLow, int Shrunk, bool FullKv, int GpusUsed) : IComparable<RoomOutcome>
{
    public int CompareTo(RoomOutcome? other)
    {
        if (other is null)
        {
            return -1;
        }

        var byLoss = (LostHigh, LostMedium, LostLow, Shrunk, Candidate.Victims.Count, Candidate.Victims.Sum(v => (int)v.Priority), Candidate.Victims.Sum(v => v.Bytes * v.Span), !FullKv, GpusUsed)
            .CompareTo((other.LostHigh, other.LostMedium, other.LostLow, other.Shrunk, other.Candidate.Victims.Count, other.Candidate.Victims.Sum(v => (int)v.Priority), other.Candidate.Victims.Sum(v => v.Bytes * v.Span), !other.FullKv, other.GpusUsed));
        return byLoss != 0 ? byLoss : (Candidate.Repartition, Candidate.Fraction, Candidate.Gpu, Candidate.First, Candidate.Mode).CompareTo((other.Candidate.Repartition, other.Candidate.Fraction, other.Candidate.Gpu, other.Candidate.First, other.Candidate.Mode));
    }
}

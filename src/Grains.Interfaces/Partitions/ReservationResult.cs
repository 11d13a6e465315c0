namespace GpuSharing.Grains.Interfaces.Partitions;

[GenerateSerializer, Immutable, Alias("gpusharing.ReservationResult")]
public sealed record ReservationResult(ReservationOutcome Outcome, long ReservedBytes, long FreeBytes, string? Reason)
{
    public bool Succeeded => Outcome == ReservationOutcome.Reserved;
}

using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Interfaces.Gpus;

/// <summary>The answer to a partitioning request: the operation it started, or why not, with what blocks it.</summary>
[GenerateSerializer, Immutable, Alias("gpusharing.PartitioningDecision")]
public sealed record PartitioningDecision(
    PartitioningOutcome Outcome,
    PartitioningOperation? Operation,
    string? Reason,
    IReadOnlyList<Blocker> Blockers,
    CapabilitySource? ReasonSource)
{
    public static PartitioningDecision Accepted(PartitioningOperation operation) => new(PartitioningOutcome.Accepted, operation, null, [], null);

    public static PartitioningDecision Rejected(PartitioningOutcome outcome, string reason, IReadOnlyList<Blocker>? blockers = null, CapabilitySource? source = null) =>
        new(outcome, null, reason, blockers ?? [], source);
}

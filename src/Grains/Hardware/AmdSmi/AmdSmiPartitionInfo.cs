namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>Everything <c>amd-smi partition</c> said. <see cref="RequiresRoot"/> is set when it printed its sudo warning and withheld the profiles.</summary>
public sealed record AmdSmiPartitionInfo(
    IReadOnlyList<AmdSmiCurrentPartition> Current,
    IReadOnlyList<AmdSmiMemoryPartition> Memory,
    IReadOnlyList<AmdSmiPartitionProfile> Profiles,
    bool RequiresRoot)
{
    public static AmdSmiPartitionInfo Empty { get; } = new([], [], [], false);
}

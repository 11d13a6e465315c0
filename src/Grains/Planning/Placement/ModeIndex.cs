namespace GpuSharing.Grains.Planning.Placement;

/// <summary>GPUs of one family in one layout that hold reservations: by free partitions, and their shared partitions by free bytes.</summary>
internal sealed class ModeIndex(long maxBytes)
{
    public SortedSet<int>?[] ByFreeParts { get; } = new SortedSet<int>?[9];

    public FreeSpaceIndex Shared { get; } = new(maxBytes);

    public long Usable { get; set; } = long.MaxValue;
}

using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>A replica's hold on partitions of a GPU, as the engine keeps it.</summary>
internal sealed class SlotReservation(string deployment, int replica, int gpu, int first, int span, long bytes, Priority priority, Isolation isolation, long kv, bool fullKv)
{
    public string Deployment { get; } = deployment;

    public int Replica { get; } = replica;

    public int Gpu { get; } = gpu;

    public int First { get; } = first;

    public int Span { get; } = span;

    public long Bytes { get; } = bytes;

    public Priority Priority { get; } = priority;

    public Isolation Isolation { get; } = isolation;

    public long Kv { get; } = kv;

    public bool FullKv { get; } = fullKv;
}

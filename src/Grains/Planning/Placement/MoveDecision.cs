using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>
/// A replica taken off its partitions to make room for <paramref name="MovedFor"/> and placed again in the same
/// decision (on <paramref name="Node"/>/<paramref name="Gpu"/>): it restarts, but it keeps a place.
/// </summary>
public sealed record MoveDecision(string Deployment, int Replica, Priority Priority, string Node, int Gpu, string MovedFor);

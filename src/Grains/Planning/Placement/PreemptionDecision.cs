using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>A replica evicted to make room for a higher-priority one, and not placed again: it waits for room.</summary>
public sealed record PreemptionDecision(string Deployment, int Replica, Priority Priority, string Node, int Gpu, string PreemptedFor);

using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Grains.Interfaces.Placement;

[GenerateSerializer, Immutable, Alias("gpusharing.PlannedPreemption")]
public sealed record PlannedPreemption(string Deployment, int Replica, Priority Priority, string Node, int Gpu, string PreemptedFor);

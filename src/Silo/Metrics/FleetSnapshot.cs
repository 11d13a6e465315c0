using GpuSharing.Grains.Interfaces.Gpus;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Slo;

namespace GpuSharing.Silo.Metrics;

/// <summary>The fleet as the last sampling read it: every GPU with its partitions, every deployment and its SLO.</summary>
public sealed record FleetSnapshot(IReadOnlyList<GpuView> Gpus, IReadOnlyList<(ModelView Model, SloView? Slo)> Deployments)
{
    public static readonly FleetSnapshot Empty = new([], []);
}

using GpuSharing.Grains.Interfaces.Gpus;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Planning.Placement;

namespace GpuSharing.Grains.Placement;

/// <summary>One read of the fleet: the engine's nodes, each GPU's view by key, and what the reservations say of their deployments.</summary>
internal sealed class FleetRead
{
    public List<PlanningNode> Nodes { get; } = [];

    public Dictionary<string, GpuView> Gpus { get; } = new(StringComparer.Ordinal);

    /// <summary>The placement revision each reserved deployment's reservations were made for.</summary>
    public Dictionary<string, long> Revisions { get; } = new(StringComparer.Ordinal);

    /// <summary>The request each reserved deployment was placed for, when its reservations carry it.</summary>
    public Dictionary<string, PlacementRequest> Requests { get; } = new(StringComparer.Ordinal);
}

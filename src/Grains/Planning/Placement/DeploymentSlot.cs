using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>A deployment as the engine knows it: its demand and its replicas.</summary>
internal sealed class DeploymentSlot(string name)
{
    public string Name { get; } = name;

    public PlacementDemand? Demand { get; set; }

    public Priority Priority { get; set; }

    public SortedDictionary<int, SlotReservation> Replicas { get; } = [];
}

using Orleans.Placement;

namespace GpuSharing.Grains.Placement;

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class NodeAffinityPlacementAttribute() : PlacementAttribute(NodeAffinityPlacement.Instance);

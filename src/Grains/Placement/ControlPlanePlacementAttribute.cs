using Orleans.Placement;

namespace GpuSharing.Grains.Placement;

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ControlPlanePlacementAttribute() : PlacementAttribute(ControlPlanePlacement.Instance);

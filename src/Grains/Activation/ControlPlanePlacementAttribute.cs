using Orleans.Placement;

namespace GpuSharing.Grains.Activation;

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ControlPlanePlacementAttribute() : PlacementAttribute(ControlPlanePlacement.Instance);

using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>An empty GPU the plan moves to another compute mode.</summary>
public sealed record RepartitionDecision(string Node, int Gpu, ComputeMode From, ComputeMode To);

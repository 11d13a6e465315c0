using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>An empty node the plan moves to another memory mode (a driver reload under all its GPUs).</summary>
public sealed record MemoryModeDecision(string Node, MemoryMode From, MemoryMode To);

using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>A node: its name, node-wide memory mode, whether its silo is up, its GPUs.</summary>
public sealed record PlanningNode(string Name, MemoryMode MemoryMode, bool Reachable, IReadOnlyList<PlanningGpu> Gpus);

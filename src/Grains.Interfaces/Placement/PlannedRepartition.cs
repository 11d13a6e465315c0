using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Interfaces.Placement;

/// <summary>A GPU the plan repartitions; <see cref="MemoryMode"/> is set when its node's memory mode changes too.</summary>
[GenerateSerializer, Immutable, Alias("gpusharing.PlannedRepartition")]
public sealed record PlannedRepartition(string Node, int Gpu, ComputeMode From, ComputeMode To, MemoryMode? MemoryMode);

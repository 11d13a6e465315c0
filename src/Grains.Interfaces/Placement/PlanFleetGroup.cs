namespace GpuSharing.Grains.Interfaces.Placement;

/// <summary>Part of a hypothetical fleet: <see cref="Count"/> GPUs of a family, empty, SPX/NPS1, eight to a node.</summary>
[GenerateSerializer, Immutable, Alias("gpusharing.PlanFleetGroup")]
public sealed record PlanFleetGroup(string Model, int Count);

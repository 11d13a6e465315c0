using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Grains.Models;

/// <summary>A deployment's desired spec with its generation, and where placement stands.</summary>
[GenerateSerializer, Alias("gpusharing.ModelGrainState")]
public sealed class ModelGrainState
{
    [Id(0)]
    public DeploymentSpec? Spec { get; set; }

    [Id(1)]
    public long Generation { get; set; }

    [Id(2)]
    public ModelStatus Status { get; set; } = ModelStatus.Pending;

    [Id(3)]
    public string? Message { get; set; }

    [Id(4)]
    public SizingBreakdown? Sizing { get; set; }

    [Id(5)]
    public List<ReplicaPlacement> Placements { get; set; } = [];

    [Id(6)]
    public List<PendingReplica> Pending { get; set; } = [];

    [Id(7)]
    public PlacementExplanation? Explanation { get; set; }

    [Id(8)]
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>
    /// Counts every stored change of spec. Placement is asked and answers by revision, not by generation: a caller
    /// without generations (the REST API) or one that changes a spec without bumping it still gets a fresh placement.
    /// </summary>
    [Id(9)]
    public long Revision { get; set; }
}

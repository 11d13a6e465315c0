namespace GpuSharing.Grains.Activation;

/// <summary>
/// Places a grain on a silo whose role is <c>control</c> or <c>all</c>, so that it survives the loss of a GPU node;
/// when there is none (a cluster of node silos only), on any silo.
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("gpusharing.ControlPlanePlacement")]
public sealed class ControlPlanePlacement : PlacementStrategy
{
    public static ControlPlanePlacement Instance { get; } = new();
}

namespace GpuSharing.Grains.Activation;

/// <summary>
/// Places a hardware grain (key <c>{node}/...</c>) on the silo that publishes that node in its metadata: the only
/// silo that can reach the node's GPUs. There is no fallback: a grain of a node without a silo is not activated.
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("gpusharing.NodeAffinityPlacement")]
public sealed class NodeAffinityPlacement : PlacementStrategy
{
    public static NodeAffinityPlacement Instance { get; } = new();
}

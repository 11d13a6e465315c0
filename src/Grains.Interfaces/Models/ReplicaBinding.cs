namespace GpuSharing.Grains.Interfaces.Models;

/// <summary>
/// How a replica runs on its partitions: the device-plugin resource (mixed strategy, e.g. <c>amd.com/cpx_nps4</c>) and
/// count, the node, the logical devices and render nodes (for host-device and local bindings) with the matching
/// environment, and the vLLM arguments that hold the replica to its share.
/// </summary>
[GenerateSerializer, Immutable, Alias("gpusharing.ReplicaBinding")]
public sealed record ReplicaBinding(
    string Device,
    string Node,
    string ResourceName,
    int ResourceCount,
    IReadOnlyList<int> LogicalIndices,
    IReadOnlyList<string> RenderNodes,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyList<string> VllmArguments);

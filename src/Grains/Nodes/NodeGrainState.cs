using GpuSharing.Grains.Interfaces.Gpus;
using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Interfaces.Nodes;

namespace GpuSharing.Grains.Nodes;

/// <summary>The last registration of the node's agent, the last view each GPU reported, and the node-wide operation.</summary>
[GenerateSerializer, Alias("gpusharing.NodeGrainState")]
public sealed class NodeGrainState
{
    [Id(0)]
    public NodeRegistration? Registration { get; set; }

    [Id(1)]
    public Dictionary<int, GpuView> Gpus { get; set; } = [];

    [Id(2)]
    public PartitioningOperation? Operation { get; set; }

    [Id(3)]
    public MemoryMode? MemoryMode { get; set; }
}

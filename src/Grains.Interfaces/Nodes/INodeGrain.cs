using GpuSharing.Grains.Interfaces.Gpus;
using Orleans.Concurrency;

namespace GpuSharing.Grains.Interfaces.Nodes;

/// <summary>
/// A GPU node, key <c>{node}</c>, placed on a control-plane silo so that it outlives its node's silo. It keeps the
/// last known state of the node's GPUs, tells whether the node's silo is reachable, owns the node-wide memory mode
/// and runs memory-mode changes (every GPU drained, driver reloaded, every GPU re-read). All partitioning requests
/// enter here, so that one node never runs two conflicting reconfigurations.
/// </summary>
[Alias("gpusharing.INodeGrain")]
public interface INodeGrain : IGrainWithStringKey
{
    [Alias("Register")]
    Task RegisterAsync(NodeRegistration registration, CancellationToken cancellationToken = default);

    /// <summary>A GPU reports its current view. One-way, so that a GPU never waits on its node (the node calls GPUs).</summary>
    [Alias("ReportGpu"), OneWay]
    Task ReportGpuAsync(GpuView view);

    [Alias("Get"), AlwaysInterleave]
    Task<NodeView> GetAsync();

    [Alias("GetGpu"), AlwaysInterleave]
    Task<GpuView?> GetGpuAsync(int gpuIndex);

    /// <summary>
    /// The operation that answers for a GPU's progress: the node-wide one while it touches the GPU (a GPU's own copy
    /// of it ends when that GPU is verified, before the others are), else the GPU's latest; null when there was none.
    /// </summary>
    [Alias("GetOperation"), AlwaysInterleave]
    Task<PartitioningOperation?> GetOperationAsync(int gpuIndex);

    [Alias("RequestPartitioning")]
    Task<PartitioningDecision> RequestPartitioningAsync(int gpuIndex, PartitioningRequest request, CancellationToken cancellationToken = default);
}

namespace GpuSharing.Grains.Interfaces.Gpus;

public enum PartitioningOutcome
{
    /// <summary>The operation runs; follow it on the GPU or node.</summary>
    Accepted,
    /// <summary>The GPU does not support the combination (422).</summary>
    InvalidCombination,
    /// <summary>Deployments hold what must be drained, or another reconfiguration runs (409).</summary>
    Busy,
    /// <summary>No such GPU on the node (404).</summary>
    NotFound,
    /// <summary>The node's silo is down (503).</summary>
    Unreachable,
    /// <summary>The GPU or node cannot be partitioned at all: unknown family, or an SR-IOV guest (422).</summary>
    Unsupported,
}

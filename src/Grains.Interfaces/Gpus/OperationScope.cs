namespace GpuSharing.Grains.Interfaces.Gpus;

public enum OperationScope
{
    /// <summary>A compute-mode change of one GPU.</summary>
    Gpu,
    /// <summary>A memory-mode change: every GPU of the node is drained and the driver reloaded.</summary>
    Node,
}

namespace GpuSharing.Grains.Interfaces.Gpus;

/// <summary>What keeps a GPU from being reconfigured.</summary>
public enum BlockerKind
{
    /// <summary>Another reconfiguration runs on the GPU or its node: wait for it, then ask again.</summary>
    Operation,

    /// <summary>A deployment's replica holds a partition: it must be moved, preempted or deleted first.</summary>
    Reservation,

    /// <summary>A process uses the GPU (or its processes could not be listed).</summary>
    Process,

    /// <summary>The GPU cannot take part (not discovered, not partitionable).</summary>
    Device,
}

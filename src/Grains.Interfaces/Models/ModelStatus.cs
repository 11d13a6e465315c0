namespace GpuSharing.Grains.Interfaces.Models;

/// <summary>A deployment's life cycle.</summary>
public enum ModelStatus
{
    /// <summary>Not (fully) placed yet: waiting for room, or for a GPU to be repartitioned. The explanation says which.</summary>
    Pending,

    /// <summary>Every replica has its reservation and binding.</summary>
    Placed,

    /// <summary>Its workload reports ready (KServe, later).</summary>
    Running,

    /// <summary>A higher-priority deployment took its room; it waits to be placed again.</summary>
    Preempted,

    /// <summary>It cannot be placed as specified (for example larger than any GPU); a new spec is needed.</summary>
    Failed,
}

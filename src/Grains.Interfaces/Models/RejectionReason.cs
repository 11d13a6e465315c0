namespace GpuSharing.Grains.Interfaces.Models;

/// <summary>Why a GPU could not take a replica.</summary>
public enum RejectionReason
{
    /// <summary>Not enough free memory in any partition it could use.</summary>
    Memory,

    /// <summary>Its partitions are the wrong size and it holds reservations, so it cannot be repartitioned.</summary>
    Mode,

    /// <summary>Its node's memory mode does not allow the partition size needed, and the node cannot change it (other GPUs hold reservations).</summary>
    MemoryMode,

    /// <summary>The room is held by deployments of equal or higher priority.</summary>
    Priority,

    /// <summary>It already holds a replica of the same deployment.</summary>
    AntiAffinity,

    /// <summary>Its node's silo is down.</summary>
    NodeDown,

    /// <summary>It is Degraded, being reconfigured, or not a GPU we partition.</summary>
    NotSchedulable,

    /// <summary>The deployment is pinned to another node.</summary>
    Pinned,
}

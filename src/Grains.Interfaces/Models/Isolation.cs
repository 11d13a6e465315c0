namespace GpuSharing.Grains.Interfaces.Models;

/// <summary>How a replica shares its partition.</summary>
public enum Isolation
{
    /// <summary>Alone on its partition(s): no neighbour in its compute or memory. The default for <c>high</c>.</summary>
    Exclusive,

    /// <summary>May share a partition with other shared replicas, each bounded by its vLLM memory share. The default for <c>medium</c> and <c>low</c>.</summary>
    Shared,
}

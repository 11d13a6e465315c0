namespace GpuSharing.Grains.Activation;

/// <summary>Keys of the metadata each silo publishes to the cluster.</summary>
public static class SiloMetadataKeys
{
    /// <summary>The GPU node a node silo manages.</summary>
    public const string Node = "gpusharing.node";

    /// <summary><c>node</c>, <c>control</c> or <c>all</c>.</summary>
    public const string Role = "gpusharing.role";
}

namespace GpuSharing.Grains;

/// <summary>Grain storage provider names, shared by the grains and the silo that registers the providers.</summary>
public static class StorageNames
{
    /// <summary>GPU, partition and node state.</summary>
    public const string Hardware = "hardware";

    /// <summary>The fleet index and, later, placement and model state.</summary>
    public const string ControlPlane = "control-plane";
}

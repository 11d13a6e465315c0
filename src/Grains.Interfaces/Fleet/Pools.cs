namespace GpuSharing.Grains.Interfaces.Fleet;

public static class Pools
{
    public const string Default = "default";
}

namespace GpuSharing.Grains.Interfaces.Models;

/// <summary>Which shard of a pool's deployment index holds a deployment: a stable hash (FNV-1a) of its key.</summary>
public static class ModelIndexShards
{
    public const int Count = 64;

    public static string Key(string pool, int shard) => $"{pool}/{shard:D2}";

    public static string For(string pool, string deployment)
    {
        var hash = 2166136261u;
        foreach (var c in deployment)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return Key(pool, (int)(hash % Count));
    }
}

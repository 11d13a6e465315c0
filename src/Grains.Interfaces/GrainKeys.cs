using System.Globalization;

namespace GpuSharing.Grains.Interfaces;

/// <summary>The string keys of the hardware grains: <c>{node}</c>, <c>{node}/{gpu}</c>, <c>{node}/{gpu}/{partition}</c>.</summary>
public static class GrainKeys
{
    public static string Gpu(string node, int gpuIndex) => string.Create(CultureInfo.InvariantCulture, $"{node}/{gpuIndex}");

    public static string Partition(string node, int gpuIndex, int partitionIndex) =>
        string.Create(CultureInfo.InvariantCulture, $"{node}/{gpuIndex}/{partitionIndex}");

    /// <summary>The node name is the first segment of every hardware key.</summary>
    public static string NodeOf(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? key : key[..slash];
    }

    public static (string Node, int GpuIndex) ParseGpu(string key)
    {
        var parts = key.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            throw new FormatException($"'{key}' is not a GPU key of the form '{{node}}/{{gpuIndex}}'.");
        }

        return (parts[0], index);
    }

    public static (string Node, int GpuIndex, int PartitionIndex) ParsePartition(string key)
    {
        var parts = key.Split('/');
        if (parts.Length != 3
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var gpu)
            || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var partition))
        {
            throw new FormatException($"'{key}' is not a partition key of the form '{{node}}/{{gpuIndex}}/{{partitionIndex}}'.");
        }

        return (parts[0], gpu, partition);
    }
}

namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>One <c>KEY: value</c> line of amd-smi's indented text output, with the lines nested under it.</summary>
public sealed class AmdSmiTextNode(string key, string? value)
{
    public string Key { get; } = key;

    /// <summary>The text after <c>KEY:</c>, null when the line only opens a section.</summary>
    public string? Value { get; } = value;

    public List<AmdSmiTextNode> Children { get; } = [];

    public AmdSmiTextNode? Child(string key) =>
        Children.FirstOrDefault(c => string.Equals(c.Key, key, StringComparison.OrdinalIgnoreCase));

    /// <summary>Follows a path of keys, e.g. <c>Find("ASIC", "MARKET_NAME")</c>.</summary>
    public AmdSmiTextNode? Find(params string[] path)
    {
        var node = this;
        foreach (var key in path)
        {
            node = node.Child(key);
            if (node is null)
            {
                return null;
            }
        }

        return node;
    }

    public string? ValueAt(params string[] path)
    {
        var value = Find(path)?.Value;
        return AmdSmiQuantity.IsMissing(value) ? null : value!.Trim();
    }
}

using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>A node as the engine keeps it.</summary>
internal sealed class NodeSlot(int id, string name, MemoryMode memory, bool reachable)
{
    public int Id { get; } = id;

    public string Name { get; } = name;

    public MemoryMode Memory { get; set; } = memory;

    public bool Reachable { get; } = reachable;

    public List<int> Gpus { get; } = [];

    public int UsedGpus { get; set; }

    public Dictionary<string, int> Deployments { get; } = new(StringComparer.Ordinal);
}

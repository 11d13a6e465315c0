namespace GpuSharing.Grains.Interfaces.Fleet;

/// <summary>The index of the nodes of a pool (key: pool name, <c>default</c>). Nodes add themselves when their agent registers.</summary>
[Alias("gpusharing.IFleetGrain")]
public interface IFleetGrain : IGrainWithStringKey
{
    [Alias("AddNode")]
    Task AddNodeAsync(string node, CancellationToken cancellationToken = default);

    [Alias("GetNodes"), Orleans.Concurrency.ReadOnly]
    Task<IReadOnlyList<string>> GetNodesAsync();
}

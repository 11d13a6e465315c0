namespace GpuSharing.Grains.Interfaces.Models;

/// <summary>
/// One of the <see cref="ModelIndexShards.Count"/> persisted parts of a pool's deployment index (key
/// <c>{pool}/{shard}</c>, see <see cref="ModelIndexShards.For"/>), so that adding a deployment writes a small set, not
/// every deployment of the pool.
/// </summary>
[Alias("gpusharing.IModelIndexShardGrain")]
public interface IModelIndexShardGrain : IGrainWithStringKey
{
    [Alias("Add")]
    Task AddAsync(string deployment, CancellationToken cancellationToken = default);

    [Alias("Remove")]
    Task RemoveAsync(string deployment, CancellationToken cancellationToken = default);

    [Alias("List"), Orleans.Concurrency.ReadOnly]
    Task<IReadOnlyList<string>> ListAsync(string? @namespace = null);
}

namespace GpuSharing.Grains.Interfaces.Models;

/// <summary>
/// The deployments of a pool (key: pool name, <c>default</c>), kept in <see cref="IModelIndexShardGrain"/>s, so that
/// they can be listed; a feed of their changes; and, when the stateless placement grain starts again (after a restart
/// of the control plane), a call to every deployment still waiting for room to submit itself again.
/// </summary>
[Alias("gpusharing.IModelIndexGrain")]
public interface IModelIndexGrain : IGrainWithStringKey
{
    /// <summary>The deployments <c>{namespace}/{name}</c> in name order, those of one namespace when given.</summary>
    [Alias("List"), Orleans.Concurrency.ReadOnly]
    Task<IReadOnlyList<string>> ListAsync(string? @namespace = null);

    /// <summary>A deployment's status or placement changed (a preemption, a repartition that finished, a deletion).</summary>
    [Alias("Changed"), Orleans.Concurrency.OneWay]
    Task ChangedAsync(string deployment);

    /// <summary>
    /// What changed after <paramref name="since"/> (null: nothing yet, only a cursor). Controllers that mirror
    /// deployments elsewhere (the KServe watcher) poll it instead of polling every deployment.
    /// </summary>
    [Alias("Changes"), Orleans.Concurrency.ReadOnly]
    Task<ModelChanges> ChangesAsync(ModelChangeCursor? since);

    /// <summary>Asks every deployment to submit itself again if it is not fully placed.</summary>
    [Alias("Resume"), Orleans.Concurrency.OneWay]
    Task ResumeAsync();
}

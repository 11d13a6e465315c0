namespace GpuSharing.Grains.Interfaces.Models;

/// <summary>
/// The deployments of a pool (key: pool name, <c>default</c>), so that they can be listed and so that, when the
/// stateless placement grain starts again (after a restart of the control plane), every deployment still waiting for
/// room submits itself again instead of waiting for a call that will never come.
/// </summary>
[Alias("gpusharing.IModelIndexGrain")]
public interface IModelIndexGrain : IGrainWithStringKey
{
    [Alias("Add")]
    Task AddAsync(string deployment, CancellationToken cancellationToken = default);

    [Alias("Remove")]
    Task RemoveAsync(string deployment, CancellationToken cancellationToken = default);

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

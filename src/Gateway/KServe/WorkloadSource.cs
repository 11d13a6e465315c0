using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;

namespace GpuSharing.Gateway.KServe;

/// <summary>
/// Lists and watches a typed kind of workload (pods, Deployments) by label selector through the typed client: the
/// list and the watch are the client's calls for that kind, in one namespace or in all of them (null).
/// </summary>
public sealed class WorkloadSource<T>(
    string name,
    Func<string?, CancellationToken, Task<(IReadOnlyList<T> Items, string ResourceVersion)>> list,
    Func<string?, string, int, Action<Exception>, CancellationToken, IAsyncEnumerable<(WatchEventType Type, T Item)>> watch) : IInformerSource<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    public string Name => name;

    public Task<(IReadOnlyList<T> Items, string ResourceVersion)> ListAsync(string? @namespace, CancellationToken cancellationToken) =>
        list(@namespace, cancellationToken);

    public async IAsyncEnumerable<(WatchEventType Type, T Item)> WatchAsync(string? @namespace, string resourceVersion, int timeoutSeconds, Action<Exception> onError, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var change in watch(@namespace, resourceVersion, timeoutSeconds, onError, cancellationToken).WithCancellation(cancellationToken))
        {
            yield return change;
        }
    }

    public string? ResourceVersionOf(T item) => item.Metadata?.ResourceVersion;
}

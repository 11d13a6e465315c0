using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;

namespace GpuSharing.Gateway.KServe;

/// <summary>Lists and watches the pods KServe makes for the objects of one kind (by their labels).</summary>
public sealed class PodSource(IKubernetes kubernetes, KServeKind kind) : IInformerSource<V1Pod>
{
    private readonly string _selector = KServeWorkloads.Selector(kind);

    public string Name => $"pods of {kind.Kind}s";

    public async Task<(IReadOnlyList<V1Pod> Items, string ResourceVersion)> ListAsync(string? @namespace, CancellationToken cancellationToken)
    {
        var list = @namespace is null
            ? await kubernetes.CoreV1.ListPodForAllNamespacesAsync(labelSelector: _selector, cancellationToken: cancellationToken)
            : await kubernetes.CoreV1.ListNamespacedPodAsync(@namespace, labelSelector: _selector, cancellationToken: cancellationToken);
        return ([.. list.Items], list.Metadata.ResourceVersion);
    }

    public async IAsyncEnumerable<(WatchEventType Type, V1Pod Item)> WatchAsync(string? @namespace, string resourceVersion, int timeoutSeconds, Action<Exception> onError, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var events = @namespace is null
            ? kubernetes.CoreV1.WatchListPodForAllNamespacesAsync(allowWatchBookmarks: true, labelSelector: _selector, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: cancellationToken)
            : kubernetes.CoreV1.WatchListNamespacedPodAsync(@namespace, allowWatchBookmarks: true, labelSelector: _selector, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: cancellationToken);
        await foreach (var change in events)
        {
            yield return change;
        }
    }

    public string? ResourceVersionOf(V1Pod item) => item.Metadata?.ResourceVersion;
}

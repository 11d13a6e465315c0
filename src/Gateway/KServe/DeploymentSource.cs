using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;

namespace GpuSharing.Gateway.KServe;

/// <summary>Lists and watches the Deployments KServe makes for the objects of one kind: their <c>spec.replicas</c> is what an autoscaler asks for.</summary>
public sealed class DeploymentSource(IKubernetes kubernetes, KServeKind kind) : IInformerSource<V1Deployment>
{
    private readonly string _selector = KServeWorkloads.Selector(kind);

    public string Name => $"Deployments of {kind.Kind}s";

    public async Task<(IReadOnlyList<V1Deployment> Items, string ResourceVersion)> ListAsync(string? @namespace, CancellationToken cancellationToken)
    {
        var list = @namespace is null
            ? await kubernetes.AppsV1.ListDeploymentForAllNamespacesAsync(labelSelector: _selector, cancellationToken: cancellationToken)
            : await kubernetes.AppsV1.ListNamespacedDeploymentAsync(@namespace, labelSelector: _selector, cancellationToken: cancellationToken);
        return ([.. list.Items], list.Metadata.ResourceVersion);
    }

    public async IAsyncEnumerable<(WatchEventType Type, V1Deployment Item)> WatchAsync(string? @namespace, string resourceVersion, int timeoutSeconds, Action<Exception> onError, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var events = @namespace is null
            ? kubernetes.AppsV1.WatchListDeploymentForAllNamespacesAsync(allowWatchBookmarks: true, labelSelector: _selector, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: cancellationToken)
            : kubernetes.AppsV1.WatchListNamespacedDeploymentAsync(@namespace, allowWatchBookmarks: true, labelSelector: _selector, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: cancellationToken);
        await foreach (var change in events)
        {
            yield return change;
        }
    }

    public string? ResourceVersionOf(V1Deployment item) => item.Metadata?.ResourceVersion;
}

using k8s;
using k8s.Models;

namespace GpuSharing.Gateway.KServe;

/// <summary>The workloads KServe makes for the objects of one kind, selected by their labels: its pods, and its Deployments (whose <c>spec.replicas</c> an autoscaler sets).</summary>
public static class WorkloadSources
{
    public static WorkloadSource<V1Pod> Pods(IKubernetes kubernetes, KServeKind kind)
    {
        var selector = KServeWorkloads.Selector(kind);
        return new WorkloadSource<V1Pod>(
            $"pods of {kind.Kind}s",
            async (@namespace, cancellationToken) =>
            {
                var found = @namespace is null
                    ? await kubernetes.CoreV1.ListPodForAllNamespacesAsync(labelSelector: selector, cancellationToken: cancellationToken)
                    : await kubernetes.CoreV1.ListNamespacedPodAsync(@namespace, labelSelector: selector, cancellationToken: cancellationToken);
                return ([.. found.Items], found.Metadata.ResourceVersion);
            },
            (@namespace, resourceVersion, timeout, onError, cancellationToken) => @namespace is null
                ? kubernetes.CoreV1.WatchListPodForAllNamespacesAsync(allowWatchBookmarks: true, labelSelector: selector, resourceVersion: resourceVersion, timeoutSeconds: timeout, onError: onError, cancellationToken: cancellationToken)
                : kubernetes.CoreV1.WatchListNamespacedPodAsync(@namespace, allowWatchBookmarks: true, labelSelector: selector, resourceVersion: resourceVersion, timeoutSeconds: timeout, onError: onError, cancellationToken: cancellationToken));
    }

    public static WorkloadSource<V1Deployment> Deployments(IKubernetes kubernetes, KServeKind kind)
    {
        var selector = KServeWorkloads.Selector(kind);
        return new WorkloadSource<V1Deployment>(
            $"Deployments of {kind.Kind}s",
            async (@namespace, cancellationToken) =>
            {
                var found = @namespace is null
                    ? await kubernetes.AppsV1.ListDeploymentForAllNamespacesAsync(labelSelector: selector, cancellationToken: cancellationToken)
                    : await kubernetes.AppsV1.ListNamespacedDeploymentAsync(@namespace, labelSelector: selector, cancellationToken: cancellationToken);
                return ([.. found.Items], found.Metadata.ResourceVersion);
            },
            (@namespace, resourceVersion, timeout, onError, cancellationToken) => @namespace is null
                ? kubernetes.AppsV1.WatchListDeploymentForAllNamespacesAsync(allowWatchBookmarks: true, labelSelector: selector, resourceVersion: resourceVersion, timeoutSeconds: timeout, onError: onError, cancellationToken: cancellationToken)
                : kubernetes.AppsV1.WatchListNamespacedDeploymentAsync(@namespace, allowWatchBookmarks: true, labelSelector: selector, resourceVersion: resourceVersion, timeoutSeconds: timeout, onError: onError, cancellationToken: cancellationToken));
    }
}

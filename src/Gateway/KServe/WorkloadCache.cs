using k8s.Models;

namespace GpuSharing.Gateway.KServe;

/// <summary>
/// The pods and Deployments KServe made for the watched objects, per kind, as the informers see them: how many pods
/// an autoscaler wants (the Deployment's <c>spec.replicas</c>) and which pods there are, gated or running. Until every
/// scope has listed, and while any list is refused, nothing here is trusted (<see cref="Synced"/>): a pod not seen
/// is not a pod that is gone.
/// </summary>
public sealed class WorkloadCache
{
    private readonly Dictionary<KServeKind, WorkloadStore<V1Pod>> _pods =
        KServeKind.All.ToDictionary(k => k, k => new WorkloadStore<V1Pod>(pod => KServeWorkloads.OwnerKey(k, pod.Metadata)));

    private readonly Dictionary<KServeKind, WorkloadStore<V1Deployment>> _deployments =
        KServeKind.All.ToDictionary(k => k, k => new WorkloadStore<V1Deployment>(deployment => KServeWorkloads.OwnerKey(k, deployment.Metadata)));
    private int _scopes = 1;
    private int _syncedScopes;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<object, bool> _unlisted = new();

    /// <summary>Every scope has listed, and the last answer of every list was a list (not a 403 or 404).</summary>
    public bool Synced => Volatile.Read(ref _syncedScopes) >= _scopes && !_unlisted.Values.Any(u => u);

    /// <summary>Whether a store's last list failed with 403 or 404: while it does, nothing here is trusted.</summary>
    public void MarkListed(object store, bool listed) => _unlisted[store] = !listed;

    public WorkloadStore<V1Pod> Pods(KServeKind kind) => _pods[kind];

    public WorkloadStore<V1Deployment> Deployments(KServeKind kind) => _deployments[kind];

    /// <summary>How many informer scopes must list before the cache is trusted.</summary>
    public void ExpectScopes(int scopes)
    {
        _scopes = Math.Max(1, scopes);
        Volatile.Write(ref _syncedScopes, 0);
        _unlisted.Clear();
        foreach (var store in _pods.Values)
        {
            store.Clear();
        }

        foreach (var store in _deployments.Values)
        {
            store.Clear();
        }
    }

    public void MarkScopeSynced() => Interlocked.Increment(ref _syncedScopes);

    /// <summary>The pods of one object, oldest first.</summary>
    public IReadOnlyList<V1Pod> PodsOf(InferenceService service) =>
        [.. Pods(service.ResourceKind).Of(service.Key)
            .OrderBy(p => p.Metadata.CreationTimestamp ?? DateTime.MinValue)
            .ThenBy(p => p.Metadata.Name, StringComparer.Ordinal)];

    /// <summary>The pods an autoscaler wants for the object now: its Deployment's <c>spec.replicas</c>; null before KServe made it.</summary>
    public int? WantedReplicas(InferenceService service) =>
        Deployments(service.ResourceKind).Get(service.Metadata.NamespaceProperty, KServeWorkloads.ScaleTargetName(service.ResourceKind, service.Metadata.Name)) is { } deployment
        && KServeWorkloads.OwnerKey(service.ResourceKind, deployment.Metadata) == service.Key
            ? deployment.Spec?.Replicas ?? 1
            : null;
}

using k8s;
using k8s.Models;

namespace GpuSharing.Gateway.KServe;

/// <summary>Puts what an informer of workloads sees into its store and queues the object each one belongs to, when the watcher has that object.</summary>
public sealed class WorkloadSink<T>(KServeKind kind, WorkloadStore<T> store, WorkloadCache workloads, InferenceServiceCache objects, ReconcileQueue queue) : IInformerSink<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    public void Replace(string? @namespace, IReadOnlyList<T> items)
    {
        workloads.MarkListed(store, listed: true);
        foreach (var touched in store.Replace(@namespace, items))
        {
            Queue(touched);
        }
    }

    public void Upsert(T item)
    {
        store.Upsert(item);
        Queue(item);
    }

    public void Remove(T item)
    {
        store.Remove(item);
        Queue(item);
    }

    public void MarkScopeSynced() => workloads.MarkScopeSynced();

    /// <summary>A 403 (RBAC without pods or Deployments): autoscaled objects keep what they hold and wait, rather than scale on a blind view.</summary>
    public void MarkNotServed() => workloads.MarkListed(store, listed: false);

    private void Queue(T item)
    {
        if (KServeWorkloads.OwnerKey(kind, item.Metadata) is { } owner && objects.Get(owner) is not null)
        {
            queue.Add(owner);
        }
    }
}

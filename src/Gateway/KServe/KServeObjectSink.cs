namespace GpuSharing.Gateway.KServe;

/// <summary>Puts what the informer of one KServe kind sees into the cache and queues each object it concerns (and each one a list no longer has).</summary>
public sealed class KServeObjectSink(KServeKind kind, InferenceServiceCache cache, ReconcileQueue queue) : IInformerSink<InferenceService>
{
    public void Replace(string? @namespace, IReadOnlyList<InferenceService> items)
    {
        cache.MarkServed(kind, served: true);
        var gone = cache.Replace(kind, @namespace, items);
        foreach (var service in items)
        {
            queue.Add(service.Key);
        }

        foreach (var key in gone)
        {
            queue.Add(key);
        }
    }

    public void Upsert(InferenceService item)
    {
        cache.Upsert(item);
        queue.Add(item.Key);
    }

    public void Remove(InferenceService item)
    {
        cache.Remove(item.Key);
        queue.Add(item.Key);
    }

    public void MarkScopeSynced() => cache.MarkScopeSynced();

    public void MarkNotServed() => cache.MarkServed(kind, served: false);
}

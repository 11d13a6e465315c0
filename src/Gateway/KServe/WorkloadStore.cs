using k8s;
using k8s.Models;

namespace GpuSharing.Gateway.KServe;

/// <summary>
/// The latest copy of each object an informer of workloads (pods or Deployments of one KServe kind) has seen, by
/// <c>namespace/name</c>, and indexed by the object it belongs to, so that a reconcile finds its own pods without
/// looking at every pod of the cluster.
/// </summary>
public sealed class WorkloadStore<T>(Func<T, string?> ownerOf)
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly Dictionary<string, T> _items = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, T>> _byOwner = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public T? Get(string @namespace, string name)
    {
        lock (_lock)
        {
            return _items.GetValueOrDefault($"{@namespace}/{name}");
        }
    }

    /// <summary>The objects that belong to <paramref name="owner"/> (an object's key).</summary>
    public IReadOnlyList<T> Of(string owner)
    {
        lock (_lock)
        {
            return _byOwner.TryGetValue(owner, out var owned) ? [.. owned.Values] : [];
        }
    }

    /// <summary>Replaces one scope's objects; returns those gone and those listed (both may concern an object).</summary>
    public IReadOnlyList<T> Replace(string? @namespace, IReadOnlyList<T> items)
    {
        var fresh = items.ToDictionary(Key, StringComparer.Ordinal);
        var touched = new List<T>(items);
        lock (_lock)
        {
            foreach (var (key, item) in _items.Where(i => (@namespace is null || i.Value.Metadata.NamespaceProperty == @namespace) && !fresh.ContainsKey(i.Key)).ToList())
            {
                Drop(key, item);
                touched.Add(item);
            }

            foreach (var item in items)
            {
                Put(item);
            }
        }

        return touched;
    }

    public void Upsert(T item)
    {
        lock (_lock)
        {
            Put(item);
        }
    }

    public void Remove(T item)
    {
        lock (_lock)
        {
            if (_items.TryGetValue(Key(item), out var held))
            {
                Drop(Key(item), held);
            }
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _items.Clear();
            _byOwner.Clear();
        }
    }

    private void Put(T item)
    {
        var key = Key(item);
        if (_items.TryGetValue(key, out var before))
        {
            Drop(key, before);
        }

        _items[key] = item;
        if (ownerOf(item) is { } owner)
        {
            if (!_byOwner.TryGetValue(owner, out var owned))
            {
                owned = new Dictionary<string, T>(StringComparer.Ordinal);
                _byOwner[owner] = owned;
            }

            owned[key] = item;
        }
    }

    private void Drop(string key, T item)
    {
        _items.Remove(key);
        if (ownerOf(item) is { } owner && _byOwner.TryGetValue(owner, out var owned))
        {
            owned.Remove(key);
            if (owned.Count == 0)
            {
                _byOwner.Remove(owner);
            }
        }
    }

    private static string Key(T item) => $"{item.Metadata.NamespaceProperty}/{item.Metadata.Name}";
}

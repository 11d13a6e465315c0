using System.Collections.Concurrent;
using k8s;
using k8s.Models;

namespace GpuSharing.Gateway.KServe;

/// <summary>The latest copy of each object an informer of workloads (pods or Deployments of one KServe kind) has seen, by <c>namespace/name</c>.</summary>
public sealed class WorkloadStore<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly ConcurrentDictionary<string, T> _items = new(StringComparer.Ordinal);

    public IEnumerable<T> Items => _items.Values;

    public T? Get(string @namespace, string name) => _items.TryGetValue($"{@namespace}/{name}", out var item) ? item : null;

    /// <summary>Replaces one scope's objects; returns those gone and those listed (both may concern an object).</summary>
    public IReadOnlyList<T> Replace(string? @namespace, IReadOnlyList<T> items)
    {
        var fresh = items.ToDictionary(Key, StringComparer.Ordinal);
        var touched = new List<T>(items);
        foreach (var (key, item) in _items)
        {
            if ((@namespace is null || item.Metadata.NamespaceProperty == @namespace) && !fresh.ContainsKey(key) && _items.TryRemove(key, out var gone))
            {
                touched.Add(gone);
            }
        }

        foreach (var (key, item) in fresh)
        {
            _items[key] = item;
        }

        return touched;
    }

    public void Upsert(T item) => _items[Key(item)] = item;

    public void Remove(T item) => _items.TryRemove(Key(item), out _);

    public void Clear() => _items.Clear();

    private static string Key(T item) => $"{item.Metadata.NamespaceProperty}/{item.Metadata.Name}";
}

using System.Collections.Concurrent;

namespace GpuSharing.Gateway.KServe;

/// <summary>
/// The informers' view of the KServe objects of every kind: the latest object per key (its deployment's key, which
/// carries the kind). Reconciles read from here, never from the API server, so a burst of events costs no reads.
/// </summary>
public sealed class InferenceServiceCache
{
    private readonly ConcurrentDictionary<string, InferenceService> _objects = new(StringComparer.Ordinal);

    public int Count => _objects.Count;

    /// <summary>True once a list of every watched scope is in: until then an absent object means "not seen yet", not "deleted".</summary>
    public bool Synced => _syncedScopes > 0 && _syncedScopes >= _scopes;

    private int _scopes = 1;
    private int _syncedScopes;

    /// <summary>How many watch scopes (namespaces, or 1 for all, times the kinds watched) must list before the cache is synced.</summary>
    public void ExpectScopes(int scopes)
    {
        _scopes = Math.Max(1, scopes);
        _syncedScopes = 0;
    }

    public InferenceService? Get(string key) => _objects.TryGetValue(key, out var service) ? service : null;

    private readonly ConcurrentDictionary<KServeKind, bool> _served = new();

    /// <summary>Whether the API server lists the kind (its last answer). Until it does, an absent object of the kind is not a deleted one.</summary>
    public bool IsServed(KServeKind kind) => _served.TryGetValue(kind, out var served) && served;

    public void MarkServed(KServeKind kind, bool served) => _served[kind] = served;

    public IReadOnlyCollection<string> Keys => [.. _objects.Keys];

    public IEnumerable<InferenceService> InNamespace(string @namespace) =>
        _objects.Values.Where(s => s.Metadata.NamespaceProperty == @namespace);

    /// <summary>Replaces the objects of one kind in one watch scope (a namespace, or every namespace: null) with a fresh list; returns the keys that are gone.</summary>
    public IReadOnlyList<string> Replace(KServeKind kind, string? @namespace, IEnumerable<InferenceService> services)
    {
        var fresh = services.ToDictionary(s => s.Key, StringComparer.Ordinal);
        var gone = _objects.Keys
            .Where(k => KServeKind.OfKey(k) == kind && (@namespace is null || k.StartsWith(@namespace + "/", StringComparison.Ordinal)) && !fresh.ContainsKey(k))
            .ToList();
        foreach (var key in gone)
        {
            _objects.TryRemove(key, out _);
        }

        foreach (var (key, service) in fresh)
        {
            _objects[key] = service;
        }

        return gone;
    }

    /// <summary>Stores an object unless the cache already has a newer version of it (a patch response can overtake its watch event).</summary>
    public void Upsert(InferenceService service)
    {
        _objects.AddOrUpdate(service.Key, service, (_, existing) => IsNewer(service, existing) ? service : existing);
    }

    public void Remove(string key) => _objects.TryRemove(key, out _);

    /// <summary>A watch scope has listed once.</summary>
    public void MarkScopeSynced() => Interlocked.Increment(ref _syncedScopes);

    public void Clear()
    {
        _objects.Clear();
        _served.Clear();
        _syncedScopes = 0;
    }

    private static bool IsNewer(InferenceService candidate, InferenceService existing) =>
        !long.TryParse(candidate.Metadata.ResourceVersion, out var a) || !long.TryParse(existing.Metadata.ResourceVersion, out var b) || a >= b;
}

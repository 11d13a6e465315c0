using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace GpuSharing.Fakes.Kubernetes;

/// <summary>
/// The fake API server's objects, one resourceVersion counter for all of them (as etcd's revision), a history of
/// changes for watches to resume from, and the semantics the watcher relies on: optimistic concurrency on
/// <c>metadata.resourceVersion</c>, <c>metadata.generation</c> bumped when <c>spec</c> changes, finalizers holding a
/// deleted object (with <c>deletionTimestamp</c>) until the last one is removed.
/// </summary>
public sealed class FakeKubernetesStore(TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(FakeResourceType Type, string Namespace, string Name), JsonObject> _objects = [];
    private readonly List<FakeWatchEvent> _history = [];
    private readonly List<Channel<FakeWatchEvent>> _subscribers = [];
    private long _resourceVersion = 100;
    private long _compactedThrough;

    public long ResourceVersion
    {
        get
        {
            lock (_lock)
            {
                return _resourceVersion;
            }
        }
    }

    /// <summary>Watches from a resourceVersion below this get 410 Gone.</summary>
    public long CompactedThrough
    {
        get
        {
            lock (_lock)
            {
                return _compactedThrough;
            }
        }
    }

    /// <summary>
    /// Forgets the history up to now, as etcd compaction with a watch cache that moved on does: every watch resuming
    /// from any resourceVersion up to now gets 410 Gone, whatever it had already seen.
    /// </summary>
    public void Compact()
    {
        lock (_lock)
        {
            _compactedThrough = _resourceVersion + 1;
            _history.Clear();
        }
    }

    public JsonObject Get(FakeResourceType type, string @namespace, string name)
    {
        lock (_lock)
        {
            return _objects.TryGetValue((type, @namespace, name), out var found)
                ? (JsonObject)found.DeepClone()
                : throw NotFound(type, name);
        }
    }

    public JsonObject? Find(FakeResourceType type, string @namespace, string name)
    {
        lock (_lock)
        {
            return _objects.TryGetValue((type, @namespace, name), out var found) ? (JsonObject)found.DeepClone() : null;
        }
    }

    public (IReadOnlyList<JsonObject> Items, long ResourceVersion) List(FakeResourceType type, string? @namespace, string? labelSelector = null)
    {
        var selector = ParseSelector(labelSelector);
        lock (_lock)
        {
            var items = _objects
                .Where(o => o.Key.Type == type && (@namespace is null || o.Key.Namespace == @namespace) && Matches(o.Value, selector))
                .OrderBy(o => o.Key.Namespace, StringComparer.Ordinal)
                .ThenBy(o => o.Key.Name, StringComparer.Ordinal)
                .Select(o => (JsonObject)o.Value.DeepClone())
                .ToList();
            return (items, _resourceVersion);
        }
    }

    public JsonObject Create(FakeResourceType type, string @namespace, JsonObject body)
    {
        lock (_lock)
        {
            var metadata = Metadata(body);
            var name = Text(metadata["name"]);
            if (string.IsNullOrEmpty(name) && Text(metadata["generateName"]) is { } prefix)
            {
                name = prefix + Guid.NewGuid().ToString("N")[..5];
            }

            if (string.IsNullOrEmpty(name))
            {
                throw new FakeApiException(422, "Invalid", "metadata.name: Required value");
            }

            if (_objects.ContainsKey((type, @namespace, name)))
            {
                throw new FakeApiException(409, "AlreadyExists", $"{type.Plural}.{type.Group} \"{name}\" already exists");
            }

            var stored = (JsonObject)body.DeepClone();
            stored["apiVersion"] = type.ApiVersion;
            stored["kind"] = type.Kind;
            var storedMetadata = Metadata(stored);
            storedMetadata["name"] = name;
            storedMetadata["namespace"] = @namespace;
            storedMetadata["uid"] = Guid.NewGuid().ToString();
            storedMetadata["creationTimestamp"] = Now();
            storedMetadata["generation"] = 1L;
            storedMetadata.Remove("deletionTimestamp");
            storedMetadata["resourceVersion"] = Next();
            _objects[(type, @namespace, name)] = stored;
            Publish(type, @namespace, "ADDED", stored);
            return (JsonObject)stored.DeepClone();
        }
    }

    /// <summary>Replaces an object (PUT). A resourceVersion in the body must be the current one (409 otherwise).</summary>
    public JsonObject Update(FakeResourceType type, string @namespace, string name, JsonObject body)
    {
        lock (_lock)
        {
            var current = _objects.TryGetValue((type, @namespace, name), out var found) ? found : throw NotFound(type, name);
            CheckPrecondition(type, name, current, Text(Metadata(body)["resourceVersion"]));
            return Store(type, @namespace, name, current, (JsonObject)body.DeepClone());
        }
    }

    /// <summary>Applies a patch to the current object; a resourceVersion the patch sets must be the current one (409 otherwise).</summary>
    public JsonObject Patch(FakeResourceType type, string @namespace, string name, Func<JsonObject, JsonObject> apply)
    {
        lock (_lock)
        {
            var current = _objects.TryGetValue((type, @namespace, name), out var found) ? found : throw NotFound(type, name);
            var patched = apply((JsonObject)current.DeepClone());
            CheckPrecondition(type, name, current, Text(Metadata(patched)["resourceVersion"]));
            return Store(type, @namespace, name, current, patched);
        }
    }

    /// <summary>Deletes an object, or marks it deleted (deletionTimestamp) while finalizers hold it.</summary>
    public JsonObject Delete(FakeResourceType type, string @namespace, string name)
    {
        lock (_lock)
        {
            var current = _objects.TryGetValue((type, @namespace, name), out var found) ? found : throw NotFound(type, name);
            var metadata = Metadata(current);
            if (metadata["finalizers"] is JsonArray { Count: > 0 })
            {
                if (metadata["deletionTimestamp"] is null)
                {
                    var marked = (JsonObject)current.DeepClone();
                    Metadata(marked)["deletionTimestamp"] = Now();
                    Metadata(marked)["resourceVersion"] = Next();
                    _objects[(type, @namespace, name)] = marked;
                    Publish(type, @namespace, "MODIFIED", marked);
                    return (JsonObject)marked.DeepClone();
                }

                return (JsonObject)current.DeepClone();
            }

            return Remove(type, @namespace, name, current);
        }
    }

    /// <summary>Subscribes to changes after <paramref name="fromResourceVersion"/> (replayed from history first); null when that history is compacted.</summary>
    public (IReadOnlyList<FakeWatchEvent> Replay, ChannelReader<FakeWatchEvent> Live, Action Unsubscribe)? Subscribe(FakeResourceType type, string? @namespace, long? fromResourceVersion)
    {
        lock (_lock)
        {
            List<FakeWatchEvent> replay;
            if (fromResourceVersion is null)
            {
                // No resourceVersion: the current state as ADDED events, then everything after it.
                replay = [.. _objects
                    .Where(o => o.Key.Type == type && (@namespace is null || o.Key.Namespace == @namespace))
                    .OrderBy(o => long.Parse(Text(Metadata(o.Value)["resourceVersion"])!, CultureInfo.InvariantCulture))
                    .Select(o => new FakeWatchEvent(long.Parse(Text(Metadata(o.Value)["resourceVersion"])!, CultureInfo.InvariantCulture), type, o.Key.Namespace, "ADDED", (JsonObject)o.Value.DeepClone()))];
            }
            else if (fromResourceVersion < _compactedThrough)
            {
                return null;
            }
            else
            {
                replay = [.. _history.Where(e => e.ResourceVersion > fromResourceVersion && e.Type == type && (@namespace is null || e.Namespace == @namespace))];
            }

            var channel = Channel.CreateUnbounded<FakeWatchEvent>(new UnboundedChannelOptions { SingleReader = true });
            _subscribers.Add(channel);
            return (replay, channel.Reader, () =>
            {
                lock (_lock)
                {
                    _subscribers.Remove(channel);
                }
            });
        }
    }

    private JsonObject Store(FakeResourceType type, string @namespace, string name, JsonObject current, JsonObject next)
    {
        var currentMetadata = Metadata(current);
        var metadata = Metadata(next);

        // Server-owned fields cannot be changed by a client.
        next["apiVersion"] = type.ApiVersion;
        next["kind"] = type.Kind;
        metadata["name"] = name;
        metadata["namespace"] = @namespace;
        metadata["uid"] = currentMetadata["uid"]?.DeepClone();
        metadata["creationTimestamp"] = currentMetadata["creationTimestamp"]?.DeepClone();
        metadata["deletionTimestamp"] = currentMetadata["deletionTimestamp"]?.DeepClone();
        if (metadata["deletionTimestamp"] is null)
        {
            metadata.Remove("deletionTimestamp");
        }

        var generation = Long(currentMetadata["generation"]) ?? 1L;
        metadata["generation"] = JsonNode.DeepEquals(current["spec"], next["spec"]) ? generation : generation + 1;
        if (JsonNode.DeepEquals(Comparable(current), Comparable(next)))
        {
            return (JsonObject)current.DeepClone(); // a no-op write changes nothing, not even the resourceVersion
        }

        if (metadata["deletionTimestamp"] is not null && metadata["finalizers"] is not JsonArray { Count: > 0 })
        {
            return Remove(type, @namespace, name, next);
        }

        metadata["resourceVersion"] = Next();
        _objects[(type, @namespace, name)] = next;
        Publish(type, @namespace, "MODIFIED", next);
        return (JsonObject)next.DeepClone();
    }

    private JsonObject Remove(FakeResourceType type, string @namespace, string name, JsonObject last)
    {
        _objects.Remove((type, @namespace, name));
        var gone = (JsonObject)last.DeepClone();
        Metadata(gone)["resourceVersion"] = Next();
        Publish(type, @namespace, "DELETED", gone);
        return (JsonObject)gone.DeepClone();
    }

    private void Publish(FakeResourceType type, string @namespace, string kind, JsonObject body)
    {
        var change = new FakeWatchEvent(long.Parse(Text(Metadata(body)["resourceVersion"])!, CultureInfo.InvariantCulture), type, @namespace, kind, (JsonObject)body.DeepClone());
        _history.Add(change);
        foreach (var subscriber in _subscribers)
        {
            subscriber.Writer.TryWrite(change);
        }
    }

    private static void CheckPrecondition(FakeResourceType type, string name, JsonObject current, string? expected)
    {
        var actual = Text(Metadata(current)["resourceVersion"]);
        if (!string.IsNullOrEmpty(expected) && expected != actual)
        {
            throw new FakeApiException(409, "Conflict", $"Operation cannot be fulfilled on {type.Plural}.{type.Group} \"{name}\": the object has been modified; please apply your changes to the latest version and try again");
        }
    }

    private static JsonObject Comparable(JsonObject body)
    {
        var copy = (JsonObject)body.DeepClone();
        Metadata(copy).Remove("resourceVersion");
        return copy;
    }

    private string Next() => (++_resourceVersion).ToString(CultureInfo.InvariantCulture);

    private string Now() => time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static FakeApiException NotFound(FakeResourceType type, string name) =>
        new(404, "NotFound", $"{type.Plural}.{type.Group} \"{name}\" not found");

    private static JsonObject Metadata(JsonObject body)
    {
        if (body["metadata"] is JsonObject metadata)
        {
            return metadata;
        }

        metadata = new JsonObject();
        body["metadata"] = metadata;
        return metadata;
    }

    /// <summary>A label selector's terms: <c>key=value</c> (also <c>==</c>), <c>key!=value</c>, <c>key</c> (exists) and <c>!key</c>.</summary>
    public static IReadOnlyList<(string Key, string Operator, string? Value)> ParseSelector(string? selector) =>
        string.IsNullOrWhiteSpace(selector) ? [] : [.. selector.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(term => Term(term.Trim()))];

    private static (string Key, string Operator, string? Value) Term(string term)
    {
        foreach (var (spelled, meaning) in new[] { ("!=", "!="), ("==", "="), ("=", "=") })
        {
            var at = term.IndexOf(spelled, StringComparison.Ordinal);
            if (at > 0)
            {
                return (term[..at], meaning, term[(at + spelled.Length)..]);
            }
        }

        return term.StartsWith('!') ? (term[1..], "!", null) : (term, "exists", null);
    }

    public static bool Matches(JsonObject body, IReadOnlyList<(string Key, string Operator, string? Value)> selector) =>
        selector.All(s =>
        {
            var value = Text(body["metadata"]?["labels"]?[s.Key]);
            return s.Operator switch
            {
                "=" => value == s.Value,
                "!=" => value != s.Value,
                "!" => value is null,
                _ => value is not null,
            };
        });

    private static long? Long(JsonNode? node) =>
        node is JsonValue value ? (value.TryGetValue<long>(out var l) ? l : value.TryGetValue<int>(out var i) ? i : null) : null;

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}

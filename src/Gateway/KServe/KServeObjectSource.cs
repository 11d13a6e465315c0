using System.Runtime.CompilerServices;
using System.Text.Json;
using k8s;

namespace GpuSharing.Gateway.KServe;

/// <summary>
/// Lists and watches the objects of one KServe kind as custom objects. Each object is stamped with its kind: list
/// items need not carry one, and the cache keys, the reader and the write-back go by it.
/// </summary>
public sealed class KServeObjectSource(IKubernetes kubernetes, KServeKind kind) : IInformerSource<InferenceService>
{
    public string Name => kind.Kind + "s";

    public async Task<(IReadOnlyList<InferenceService> Items, string ResourceVersion)> ListAsync(string? @namespace, CancellationToken cancellationToken)
    {
        var list = @namespace is null
            ? await kubernetes.CustomObjects.ListCustomObjectForAllNamespacesAsync<InferenceServiceList>(KServeKind.Group, kind.Version, kind.Plural, cancellationToken: cancellationToken)
            : await kubernetes.CustomObjects.ListNamespacedCustomObjectAsync<InferenceServiceList>(KServeKind.Group, kind.Version, @namespace, kind.Plural, cancellationToken: cancellationToken);
        return ([.. list.Items.Select(Stamped)], list.Metadata.ResourceVersion);
    }

    public async IAsyncEnumerable<(WatchEventType Type, InferenceService Item)> WatchAsync(string? @namespace, string resourceVersion, int timeoutSeconds, Action<Exception> onError, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var events = @namespace is null
            ? kubernetes.CustomObjects.WatchListCustomObjectForAllNamespacesAsync(KServeKind.Group, kind.Version, kind.Plural, allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: cancellationToken)
            : kubernetes.CustomObjects.WatchListNamespacedCustomObjectAsync(KServeKind.Group, kind.Version, @namespace, kind.Plural, allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: cancellationToken);
        await foreach (var (type, item) in events)
        {
            yield return (type, Stamped(KubernetesJson.Deserialize<InferenceService>(((JsonElement)item).GetRawText())));
        }
    }

    public string? ResourceVersionOf(InferenceService item) => item.Metadata?.ResourceVersion;

    private InferenceService Stamped(InferenceService service)
    {
        service.Kind = kind.Kind;
        service.ApiVersion = kind.ApiVersion;
        return service;
    }
}

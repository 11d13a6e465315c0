using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using k8s;
using k8s.Autorest;

namespace GpuSharing.Gateway.KServe;

/// <summary>
/// Lists and watches the objects of one KServe kind as custom objects, in the first of the kind's versions the API
/// server serves (each list starts again from the preferred one, so an upgraded KServe is followed at the next list).
/// Each object is stamped with its kind and the version it was read in: list items need not carry them, and the cache
/// keys, the reader and the write-back go by them.
/// </summary>
public sealed class KServeObjectSource(IKubernetes kubernetes, KServeKind kind) : IInformerSource<InferenceService>
{
    private string _version = kind.Version;

    public string Name => $"{kind.Kind}s ({KServeKind.ApiVersionOf(_version)})";

    public async Task<(IReadOnlyList<InferenceService> Items, string ResourceVersion)> ListAsync(string? @namespace, CancellationToken cancellationToken)
    {
        for (var i = 0; ; i++)
        {
            var version = kind.Versions[i];
            try
            {
                var list = @namespace is null
                    ? await kubernetes.CustomObjects.ListCustomObjectForAllNamespacesAsync<InferenceServiceList>(KServeKind.Group, version, kind.Plural, cancellationToken: cancellationToken)
                    : await kubernetes.CustomObjects.ListNamespacedCustomObjectAsync<InferenceServiceList>(KServeKind.Group, version, @namespace, kind.Plural, cancellationToken: cancellationToken);
                _version = version;
                return ([.. list.Items.Select(Stamped)], list.Metadata.ResourceVersion);
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound && i + 1 < kind.Versions.Count)
            {
                // This version is not served here (an older KServe): the next one may be.
            }
        }
    }

    public async IAsyncEnumerable<(WatchEventType Type, InferenceService Item)> WatchAsync(string? @namespace, string resourceVersion, int timeoutSeconds, Action<Exception> onError, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var events = @namespace is null
            ? kubernetes.CustomObjects.WatchListCustomObjectForAllNamespacesAsync(KServeKind.Group, _version, kind.Plural, allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: cancellationToken)
            : kubernetes.CustomObjects.WatchListNamespacedCustomObjectAsync(KServeKind.Group, _version, @namespace, kind.Plural, allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: cancellationToken);
        await foreach (var (type, item) in events)
        {
            yield return (type, Stamped(KubernetesJson.Deserialize<InferenceService>(((JsonElement)item).GetRawText())));
        }
    }

    public string? ResourceVersionOf(InferenceService item) => item.Metadata?.ResourceVersion;

    private InferenceService Stamped(InferenceService service)
    {
        service.Kind = kind.Kind;
        service.ApiVersion = KServeKind.ApiVersionOf(_version);
        return service;
    }
}

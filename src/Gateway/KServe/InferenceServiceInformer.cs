using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Options;

namespace GpuSharing.Gateway.KServe;

/// <summary>
/// List, then watch from the list's resourceVersion with bookmarks, for one scope (a namespace, or all of them). Every
/// event updates the cache and queues its key; a 410 Gone (in the stream or as the answer) lists again, and a dropped
/// or failed stream is watched again from the last resourceVersion seen after a jittered backoff.
/// </summary>
public sealed partial class InferenceServiceInformer(
    IKubernetes kubernetes,
    InferenceServiceCache cache,
    ReconcileQueue queue,
    KServeWatcherStatus status,
    IOptions<KServeOptions> options,
    TimeProvider time,
    ILogger<InferenceServiceInformer> logger)
{
    public async Task RunAsync(string? @namespace, CancellationToken cancellationToken)
    {
        var scope = @namespace ?? "all namespaces";
        var backoff = new JitteredBackoff(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30), time);
        var synced = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            string resourceVersion;
            try
            {
                var list = @namespace is null
                    ? await kubernetes.CustomObjects.ListCustomObjectForAllNamespacesAsync<InferenceServiceList>(InferenceService.Group, InferenceService.Version, InferenceService.Plural, cancellationToken: cancellationToken)
                    : await kubernetes.CustomObjects.ListNamespacedCustomObjectAsync<InferenceServiceList>(InferenceService.Group, InferenceService.Version, @namespace, InferenceService.Plural, cancellationToken: cancellationToken);
                status.RecordList();
                var gone = cache.Replace(@namespace, list.Items);
                foreach (var service in list.Items)
                {
                    queue.Add(service.Key);
                }

                foreach (var key in gone)
                {
                    queue.Add(key);
                }

                if (!synced)
                {
                    cache.MarkScopeSynced();
                    synced = true;
                }

                resourceVersion = list.Metadata.ResourceVersion;
                LogListed(logger, scope, list.Items.Count, resourceVersion, gone.Count);
                backoff.Reset();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or IOException or JsonException or TaskCanceledException)
            {
                LogListFailed(logger, scope, ex.Message);
                await DelayAsync(backoff, cancellationToken);
                continue;
            }

            resourceVersion = await WatchUntilExpiredAsync(@namespace, scope, resourceVersion, backoff, cancellationToken);
        }
    }

    private async Task<string> WatchUntilExpiredAsync(string? @namespace, string scope, string resourceVersion, JitteredBackoff backoff, CancellationToken cancellationToken)
    {
        var timeout = (int)options.Value.WatchTimeout.TotalSeconds;
        while (!cancellationToken.IsCancellationRequested)
        {
            var expired = false;
            try
            {
                void OnError(Exception error)
                {
                    if (error is KubernetesException { Status.Code: 410 })
                    {
                        expired = true;
                    }
                    else
                    {
                        LogWatchError(logger, scope, error.Message);
                    }
                }

                var events = @namespace is null
                    ? kubernetes.CustomObjects.WatchListCustomObjectForAllNamespacesAsync(InferenceService.Group, InferenceService.Version, InferenceService.Plural, allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: timeout, onError: OnError, cancellationToken: cancellationToken)
                    : kubernetes.CustomObjects.WatchListNamespacedCustomObjectAsync(InferenceService.Group, InferenceService.Version, @namespace, InferenceService.Plural, allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: timeout, onError: OnError, cancellationToken: cancellationToken);
                await foreach (var (type, item) in events)
                {
                    var service = KubernetesJson.Deserialize<InferenceService>(((JsonElement)item).GetRawText());
                    resourceVersion = service.Metadata?.ResourceVersion ?? resourceVersion;
                    switch (type)
                    {
                        case WatchEventType.Added or WatchEventType.Modified:
                            cache.Upsert(service);
                            queue.Add(service.Key);
                            break;
                        case WatchEventType.Deleted:
                            cache.Remove(service.Key);
                            queue.Add(service.Key);
                            break;
                    }

                    backoff.Reset();
                }

                if (expired)
                {
                    LogExpired(logger, scope, resourceVersion);
                    return resourceVersion;
                }

                // The server ended the stream (its timeout): watch again from where it stopped.
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return resourceVersion;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Gone)
            {
                LogExpired(logger, scope, resourceVersion);
                return resourceVersion;
            }
            catch (HttpRequestException ex) when (ex.InnerException is EndOfStreamException)
            {
                // An empty stream (no event before the server's timeout) is a normal end.
            }
            catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or IOException or JsonException or TaskCanceledException or KubernetesException)
            {
                LogWatchDropped(logger, scope, resourceVersion, ex.Message);
                await DelayAsync(backoff, cancellationToken);
            }
        }

        return resourceVersion;
    }

    private static async Task DelayAsync(JitteredBackoff backoff, CancellationToken cancellationToken)
    {
        try
        {
            await backoff.DelayAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Listed {Count} InferenceServices in {Scope} at resourceVersion {ResourceVersion} ({Gone} gone since the last list)")]
    private static partial void LogListed(ILogger logger, string scope, int count, string resourceVersion, int gone);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listing InferenceServices in {Scope} failed: {Error}; retrying")]
    private static partial void LogListFailed(ILogger logger, string scope, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "The watch of {Scope} expired at resourceVersion {ResourceVersion} (410 Gone); listing again")]
    private static partial void LogExpired(ILogger logger, string scope, string resourceVersion);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The watch of {Scope} reported: {Error}")]
    private static partial void LogWatchError(ILogger logger, string scope, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The watch of {Scope} dropped at resourceVersion {ResourceVersion}: {Error}; resuming")]
    private static partial void LogWatchDropped(ILogger logger, string scope, string resourceVersion, string error);
}

using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Options;

namespace GpuSharing.Gateway.KServe;

/// <summary>
/// List, then watch from the list's resourceVersion with bookmarks, for one kind in one scope (a namespace, or all of
/// them). Every event goes to the sink (a cache, which queues the objects it concerns); a 410 Gone (in the stream or as
/// the answer) lists again, and a dropped or failed stream is watched again from the last resourceVersion seen after a
/// jittered backoff. A kind the API server does not serve (its CRD is not installed: 404) or that the watcher may not
/// read (403) counts as a synced scope whose objects are unknown — the other kinds are reconciled all the same, and
/// nothing of this kind is released for being absent — and is looked for again every <see cref="NotServedRecheck"/>.
/// </summary>
public sealed partial class Informer(KServeWatcherStatus status, IOptions<KServeOptions> options, TimeProvider time, ILogger<Informer> logger)
{
    public static readonly TimeSpan NotServedRecheck = TimeSpan.FromMinutes(1);

    public async Task RunAsync<T>(IInformerSource<T> source, IInformerSink<T> sink, string? @namespace, CancellationToken cancellationToken)
        where T : class
    {
        var scope = $"{source.Name} in {@namespace ?? "all namespaces"}";
        var backoff = new JitteredBackoff(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30), time);
        var synced = false;
        var notServed = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            string resourceVersion;
            try
            {
                var (items, version) = await source.ListAsync(@namespace, cancellationToken);
                status.RecordList();
                sink.Replace(@namespace, items);
                if (!synced)
                {
                    sink.MarkScopeSynced();
                    synced = true;
                }

                resourceVersion = version;
                notServed = false;
                scope = $"{source.Name} in {@namespace ?? "all namespaces"}"; // the name may say which version answered
                LogListed(logger, scope, items.Count, resourceVersion);
                backoff.Reset();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
            {
                if (!notServed)
                {
                    LogNotServed(logger, scope, (int)ex.Response.StatusCode, NotServedRecheck);
                    notServed = true;
                }

                sink.MarkNotServed();
                if (!synced)
                {
                    sink.MarkScopeSynced();
                    synced = true;
                }

                await DelayAsync(NotServedRecheck, cancellationToken);
                continue;
            }
            catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or IOException or JsonException or TaskCanceledException)
            {
                LogListFailed(logger, scope, ex.Message);
                await DelayAsync(backoff, cancellationToken);
                continue;
            }

            await WatchUntilExpiredAsync(source, sink, @namespace, scope, resourceVersion, backoff, cancellationToken);
        }
    }

    private async Task WatchUntilExpiredAsync<T>(IInformerSource<T> source, IInformerSink<T> sink, string? @namespace, string scope, string resourceVersion, JitteredBackoff backoff, CancellationToken cancellationToken)
        where T : class
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

                await foreach (var (type, item) in source.WatchAsync(@namespace, resourceVersion, timeout, OnError, cancellationToken))
                {
                    resourceVersion = source.ResourceVersionOf(item) ?? resourceVersion;
                    switch (type)
                    {
                        case WatchEventType.Added or WatchEventType.Modified:
                            sink.Upsert(item);
                            break;
                        case WatchEventType.Deleted:
                            sink.Remove(item);
                            break;
                    }

                    backoff.Reset();
                }

                if (expired)
                {
                    LogExpired(logger, scope, resourceVersion);
                    return;
                }

                // The server ended the stream (its timeout): watch again from where it stopped.
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Gone)
            {
                LogExpired(logger, scope, resourceVersion);
                return;
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

    private async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, time, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Listed {Count} {Scope} at resourceVersion {ResourceVersion}")]
    private static partial void LogListed(ILogger logger, string scope, int count, string resourceVersion);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot list {Scope} (HTTP {Status}: the kind's CRD is not installed, or the watcher may not read it); the other kinds go on, and this one is looked for again in {Recheck}")]
    private static partial void LogNotServed(ILogger logger, string scope, int status, TimeSpan recheck);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listing {Scope} failed: {Error}; retrying")]
    private static partial void LogListFailed(ILogger logger, string scope, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "The watch of {Scope} expired at resourceVersion {ResourceVersion} (410 Gone); listing again")]
    private static partial void LogExpired(ILogger logger, string scope, string resourceVersion);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The watch of {Scope} reported: {Error}")]
    private static partial void LogWatchError(ILogger logger, string scope, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The watch of {Scope} dropped at resourceVersion {ResourceVersion}: {Error}; resuming")]
    private static partial void LogWatchDropped(ILogger logger, string scope, string resourceVersion, string error);
}

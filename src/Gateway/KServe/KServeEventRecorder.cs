using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace GpuSharing.Gateway.KServe;

/// <summary>
/// Writes Kubernetes Events on InferenceServices (what <c>kubectl describe isvc</c> shows). The same event repeated on
/// an object (a reconcile retried after a lost write race records its transition again) is folded into the first one's
/// count and last timestamp, as client-go's event correlator does, instead of piling up. An Event that cannot be
/// written is logged and dropped: it never holds up a placement.
/// </summary>
public sealed partial class KServeEventRecorder(IKubernetes kubernetes, WatcherIdentity identity, TimeProvider time, ILogger<KServeEventRecorder> logger)
{
    public const string Component = "gpu-sharing";

    // Kubernetes keeps Events for an hour by default; a repeat within this window updates the one already there.
    private static readonly TimeSpan FoldWindow = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<string, RecordedEvent> _last = new(StringComparer.Ordinal);

    public async Task RecordAsync(InferenceService service, string type, string reason, string message, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        message = message.Length <= 1024 ? message : message[..1023] + "…";
        var @namespace = service.Metadata.NamespaceProperty;
        try
        {
            if (_last.TryGetValue(service.Key, out var last) && last.Uid == service.Metadata.Uid && last.Reason == reason && last.Message == message && now - last.At < FoldWindow
                && await FoldAsync(last, @namespace, now, cancellationToken))
            {
                _last[service.Key] = last with { Count = last.Count + 1, At = now };
                return;
            }

            var name = $"{service.Metadata.Name}.{Guid.NewGuid():N}"[..(service.Metadata.Name.Length + 17)];
            await kubernetes.CoreV1.CreateNamespacedEventAsync(NewEvent(service, name, type, reason, message, now), @namespace, cancellationToken: cancellationToken);
            _last[service.Key] = new RecordedEvent(service.Metadata.Uid, reason, message, name, 1, now);
        }
        catch (Exception ex) when (ex is k8s.Autorest.HttpOperationException or HttpRequestException)
        {
            LogEventFailed(logger, reason, service.Key, ex.Message);
        }
    }

    /// <summary>Bumps the count of an Event already recorded; false when it is gone (expired or deleted).</summary>
    private async Task<bool> FoldAsync(RecordedEvent last, string @namespace, DateTime now, CancellationToken cancellationToken)
    {
        var patch = new JsonObject
        {
            ["count"] = last.Count + 1,
            ["lastTimestamp"] = now.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        };
        try
        {
            await kubernetes.CoreV1.PatchNamespacedEventAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), last.Name, @namespace, cancellationToken: cancellationToken);
            return true;
        }
        catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private Corev1Event NewEvent(InferenceService service, string name, string type, string reason, string message, DateTime now) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = service.Metadata.NamespaceProperty },
        InvolvedObject = new V1ObjectReference
        {
            ApiVersion = service.ApiVersion,
            Kind = service.Kind,
            Name = service.Metadata.Name,
            NamespaceProperty = service.Metadata.NamespaceProperty,
            Uid = service.Metadata.Uid,
            ResourceVersion = service.Metadata.ResourceVersion,
        },
        Type = type,
        Reason = reason,
        Message = message,
        Source = new V1EventSource { Component = Component },
        ReportingComponent = Component,
        ReportingInstance = identity.Name,
        Action = reason,
        FirstTimestamp = now,
        LastTimestamp = now,
        Count = 1,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record the {Reason} event on {Service}: {Error}")]
    private static partial void LogEventFailed(ILogger logger, string reason, string service, string error);

    private sealed record RecordedEvent(string? Uid, string Reason, string Message, string Name, int Count, DateTime At);
}

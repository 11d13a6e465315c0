using k8s;
using k8s.Models;

namespace GpuSharing.Gateway.KServe;

/// <summary>
/// Writes Kubernetes Events on InferenceServices (what <c>kubectl describe isvc</c> shows). An Event that cannot be
/// written is logged and dropped: it never holds up a placement.
/// </summary>
public sealed partial class KServeEventRecorder(IKubernetes kubernetes, WatcherIdentity identity, TimeProvider time, ILogger<KServeEventRecorder> logger)
{
    public const string Component = "gpu-sharing";

    public async Task RecordAsync(InferenceService service, string type, string reason, string message, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var @event = new Corev1Event
        {
            Metadata = new V1ObjectMeta
            {
                Name = $"{service.Metadata.Name}.{Guid.NewGuid():N}"[..(service.Metadata.Name.Length + 17)],
                NamespaceProperty = service.Metadata.NamespaceProperty,
            },
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
            Message = message.Length <= 1024 ? message : message[..1023] + "…",
            Source = new V1EventSource { Component = Component },
            ReportingComponent = Component,
            ReportingInstance = identity.Name,
            Action = reason,
            FirstTimestamp = now,
            LastTimestamp = now,
            Count = 1,
        };
        try
        {
            await kubernetes.CoreV1.CreateNamespacedEventAsync(@event, service.Metadata.NamespaceProperty, cancellationToken: cancellationToken);
        }
        catch (Exception ex) when (ex is k8s.Autorest.HttpOperationException or HttpRequestException)
        {
            LogEventFailed(logger, reason, service.Key, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record the {Reason} event on {Service}: {Error}")]
    private static partial void LogEventFailed(ILogger logger, string reason, string service, string error);
}

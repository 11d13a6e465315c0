using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using GpuSharing.Grains.Interfaces.Models;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace GpuSharing.Gateway.KServe;

/// <summary>
/// Holds an autoscaled object's pods to its reservations, by construction: its pods are born with the reservation
/// gate (the write-back puts it in their template), and a gate is lifted only for a pod that gets a placed replica of
/// its own — the pod is pinned to that replica's node and annotated with the replica. A pod beyond the reservations
/// stays gated (Pending, never scheduled) until a replica is placed for it. A running pod whose replica is no longer
/// where it runs (preempted, moved) is evicted; its ReplicaSet makes a gated one in its place. Pods carry a deletion
/// cost that falls with their replica, so that a scale-down removes the highest replicas first, and a replica's
/// reservation is kept for as long as any pod on it lives.
/// </summary>
public sealed partial class ReplicaGatekeeper(
    IKubernetes kubernetes,
    WorkloadCache workloads,
    KServeEventRecorder events,
    KServeWatcherStatus status,
    ILogger<ReplicaGatekeeper> logger)
{
    /// <summary>Replicas that pods run on now: one past the highest replica any living pod holds (terminating ones included: they hold the device until gone).</summary>
    public int Running(InferenceService service) =>
        workloads.PodsOf(service).Select(ReplicaOf).Where(r => r is not null).Select(r => r!.Value + 1).DefaultIfEmpty(0).Max();

    /// <summary>
    /// Lifts the gates of pods that have a reservation, evicts pods whose reservation went — and, for an object whose
    /// pods are gated (<paramref name="gated"/>), pods that run without one (born before the gate was in their
    /// template); returns how many pods still wait behind the gate.
    /// </summary>
    public async Task<int> AdmitAsync(InferenceService service, ModelView view, bool gated, CancellationToken cancellationToken)
    {
        var pods = workloads.PodsOf(service);
        var placed = view.Placements.ToDictionary(p => p.Replica);
        var occupied = new HashSet<int>();
        foreach (var pod in pods.Where(p => !IsGated(p)))
        {
            if (ReplicaOf(pod) is not { } replica)
            {
                if (gated && pod.Metadata.DeletionTimestamp is null)
                {
                    await EvictAsync(service, pod, null, "it runs without a reserved partition (it was made before its template carried the reservation gate)", cancellationToken);
                }

                continue;
            }

            if (pod.Metadata.DeletionTimestamp is null && (!placed.TryGetValue(replica, out var placement) || NodeOf(pod) is { } node && node != placement.Node))
            {
                await EvictAsync(service, pod, replica, placed.TryGetValue(replica, out var moved) ? $"replica {replica} now has its partition on {moved.Node}" : $"replica {replica} lost its partition ({view.Message})", cancellationToken);
            }

            occupied.Add(replica);
        }

        var free = new Queue<ReplicaPlacement>(view.Placements.Where(p => !occupied.Contains(p.Replica)).OrderBy(p => p.Replica));
        var waiting = 0;
        foreach (var pod in pods.Where(p => IsGated(p) && p.Metadata.DeletionTimestamp is null))
        {
            if (free.Count == 0 || !await AdmitAsync(pod, free.Peek(), cancellationToken))
            {
                waiting++;
                continue;
            }

            free.Dequeue();
        }

        return waiting;
    }

    /// <summary>The object left (opted out): every pod it holds at the gate is let go, as it would run without the watcher.</summary>
    public async Task ReleaseAsync(InferenceService service, CancellationToken cancellationToken)
    {
        foreach (var pod in workloads.PodsOf(service).Where(IsGated))
        {
            await PatchAsync(pod, new JsonObject { ["spec"] = new JsonObject { ["schedulingGates"] = OtherGates(pod) } }, cancellationToken);
        }
    }

    private async Task<bool> AdmitAsync(V1Pod pod, ReplicaPlacement placement, CancellationToken cancellationToken)
    {
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["annotations"] = new JsonObject
                {
                    [KServeWorkloads.ReplicaAnnotation] = placement.Replica.ToString(CultureInfo.InvariantCulture),
                    [KServeWorkloads.DeletionCostAnnotation] = (DeploymentLimits.MaxReplicas - placement.Replica).ToString(CultureInfo.InvariantCulture),
                },
            },
            ["spec"] = new JsonObject
            {
                ["nodeSelector"] = new JsonObject { [PredictorWriteBack.HostnameLabel] = placement.Node },
                ["schedulingGates"] = OtherGates(pod),
            },
        };
        if (await PatchAsync(pod, patch, cancellationToken))
        {
            LogAdmitted(logger, pod.Metadata.NamespaceProperty, pod.Metadata.Name, placement.Replica, placement.Node);
            return true;
        }

        return false;
    }

    private async Task<bool> PatchAsync(V1Pod pod, JsonObject patch, CancellationToken cancellationToken)
    {
        // Only the version this decision was made on: a pod that changed meanwhile is decided again from its event.
        var metadata = patch["metadata"] as JsonObject ?? new JsonObject();
        metadata["resourceVersion"] = pod.Metadata.ResourceVersion;
        patch["metadata"] = metadata;
        try
        {
            status.RecordWrite();
            var updated = await kubernetes.CoreV1.PatchNamespacedPodAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: cancellationToken);
            foreach (var kind in KServeKind.All)
            {
                if (KServeWorkloads.OwnerKey(kind, updated.Metadata) is not null)
                {
                    workloads.Pods(kind).Upsert(updated);
                }
            }

            return true;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private async Task EvictAsync(InferenceService service, V1Pod pod, int? replica, string why, CancellationToken cancellationToken)
    {
        try
        {
            status.RecordWrite();
            await kubernetes.CoreV1.CreateNamespacedPodEvictionAsync(
                new V1Eviction { Metadata = new V1ObjectMeta { Name = pod.Metadata.Name, NamespaceProperty = pod.Metadata.NamespaceProperty } },
                pod.Metadata.Name,
                pod.Metadata.NamespaceProperty,
                cancellationToken: cancellationToken);
            LogEvicted(logger, pod.Metadata.NamespaceProperty, pod.Metadata.Name, replica, why);
            await events.RecordAsync(service, "Warning", "PodEvicted", $"Evicted pod {pod.Metadata.Name}: {why}. Its ReplicaSet makes a new pod, which waits at the gate until a partition is reserved for it.", cancellationToken);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.TooManyRequests)
        {
            // Gone already, or a PodDisruptionBudget holds it for now: the next reconcile asks again.
            LogEvictionRefused(logger, pod.Metadata.NamespaceProperty, pod.Metadata.Name, (int)ex.Response.StatusCode);
        }
    }

    public static bool IsGated(V1Pod pod) => pod.Spec?.SchedulingGates?.Any(g => g.Name == PredictorWriteBack.ReservationGate) == true;

    public static int? ReplicaOf(V1Pod pod) =>
        !IsGated(pod) && pod.Metadata.Annotations?.TryGetValue(KServeWorkloads.ReplicaAnnotation, out var text) == true
        && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var replica)
            ? replica
            : null;

    private static string? NodeOf(V1Pod pod) =>
        pod.Spec?.NodeName is { Length: > 0 } node ? node
        : pod.Spec?.NodeSelector?.TryGetValue(PredictorWriteBack.HostnameLabel, out var selected) == true ? selected
        : null;

    private static JsonNode? OtherGates(V1Pod pod)
    {
        var others = pod.Spec?.SchedulingGates?.Where(g => g.Name != PredictorWriteBack.ReservationGate).Select(g => (JsonNode)new JsonObject { ["name"] = g.Name }).ToArray() ?? [];
        return others.Length == 0 ? null : new JsonArray(others);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Lifted the reservation gate of pod {Namespace}/{Pod}: replica {Replica} on {Node}")]
    private static partial void LogAdmitted(ILogger logger, string @namespace, string pod, int replica, string node);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Evicted pod {Namespace}/{Pod} of replica {Replica}: {Why}")]
    private static partial void LogEvicted(ILogger logger, string @namespace, string pod, int? replica, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "Eviction of pod {Namespace}/{Pod} refused for now (HTTP {Status}); asked again on the next reconcile")]
    private static partial void LogEvictionRefused(ILogger logger, string @namespace, string pod, int status);
}

using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using GpuSharing.Grains.Interfaces.Models;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Options;

namespace GpuSharing.Gateway.KServe;

/// <summary>
/// Brings one InferenceService and its deployment together, level-triggered: it reads the object from the cache, gives
/// its model grain the desired spec with the object's generation, and writes back what came of it — status and
/// placement annotations, the finalizer, the predictor's binding, an Event when the status changes. An object that is
/// gone, opted out or being deleted has its deployment released (then its finalizer removed). Nothing is written when
/// nothing changed.
/// </summary>
public sealed partial class InferenceServiceReconciler(
    IClusterClient grains,
    IKubernetes kubernetes,
    InferenceServiceCache cache,
    KServeEventRecorder events,
    SharedPartitionClaims claims,
    WorkloadCache workloads,
    ReplicaGatekeeper gatekeeper,
    KServeWatcherStatus status,
    IOptions<KServeOptions> options,
    ILogger<InferenceServiceReconciler> logger)
{
    private static readonly JsonSerializerOptions PlacementJson = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    public async Task<ReconcileOutcome> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        var service = cache.Get(key);
        var model = grains.GetGrain<IModelGrain>(key);
        if (service is null || !InferenceServiceReader.IsOptedIn(service) || service.Metadata.DeletionTimestamp is not null)
        {
            return await ReleaseAsync(key, service, model, cancellationToken);
        }

        var read = InferenceServiceReader.Read(service);
        if (!read.IsValid)
        {
            // The deployment (if any) keeps its last good spec and its partitions: a bad edit loses nothing.
            var current = await model.GetAsync().WaitAsync(cancellationToken);
            return await WriteAsync(service, Invalid(read.Errors), current is not null, cancellationToken);
        }

        // The finalizer comes with the first write-back after a successful apply: held any earlier, it would be added
        // and removed again for a spec that cannot be sized. Should the object vanish in between, its DELETED event
        // (or the next list) finds the deployment without an object and releases it all the same.
        var generation = service.Metadata.Generation ?? 0;
        var spec = read.Spec!;
        var autoscaled = read.Bounds is { Autoscaled: true };
        if (autoscaled)
        {
            if (!workloads.Synced)
            {
                return ReconcileOutcome.Waiting; // pods not seen (yet) are not pods that are gone: no scale-down on a blind view
            }

            // Reservations follow the pods the autoscaler wants (its Deployment's replicas), never fewer than pods run on.
            spec = spec with { Replicas = read.Bounds!.Clamp(workloads.WantedReplicas(service), gatekeeper.Running(service)) };
        }

        var result = await model.ApplyAsync(spec, generation, cancellationToken);
        if (result.Outcome is ApplyOutcome.Invalid or ApplyOutcome.Unprocessable)
        {
            // Refused before anything was stored: a deployment that existed keeps its spec and partitions (and the
            // finalizer that guards them); a new one holds nothing, so nothing holds the object.
            var existing = await model.GetAsync().WaitAsync(cancellationToken);
            return await WriteAsync(service, Invalid([result.Error ?? "The deployment cannot be sized."]), existing is not null, cancellationToken);
        }

        var view = result.Model!;
        if (view.Status == ModelStatus.Placed && IsReady(service))
        {
            view = await model.MarkRunningAsync(view.Generation, cancellationToken) ?? view;
        }

        var outcome = await WriteAsync(service, Desired(view, autoscaled), true, cancellationToken, view.Placements.FirstOrDefault());
        if (outcome == ReconcileOutcome.Retry)
        {
            return outcome;
        }

        // Gated pods are let through to reservations whatever the object says now (one that stopped being autoscaled
        // still has pods born gated until its rollout replaces them).
        var gated = workloads.Synced ? await gatekeeper.AdmitAsync(service, view, autoscaled, cancellationToken) : 0;
        return view.Status is ModelStatus.Pending or ModelStatus.Preempted || gated > 0 ? ReconcileOutcome.Waiting : ReconcileOutcome.Done;
    }

    private async Task<ReconcileOutcome> ReleaseAsync(string key, InferenceService? service, IModelGrain model, CancellationToken cancellationToken)
    {
        if (service is null && !cache.Synced)
        {
            return ReconcileOutcome.Retry; // not listed yet: absence means nothing
        }

        if (service is null && !cache.IsServed(KServeKind.OfKey(key)))
        {
            return ReconcileOutcome.Done; // its kind is not listed (no CRD, or no permission): absence means nothing either
        }

        if (await model.DeleteAsync(SharingAnnotations.ManagedBy, cancellationToken) == DeleteOutcome.Deleted)
        {
            LogReleased(logger, key, service is null ? "the object is gone" : service.Metadata.DeletionTimestamp is not null ? "the object is being deleted" : "it opted out");
        }

        var @namespace = DeploymentKeys.NamespaceOf(key);
        if (service is not null)
        {
            var patch = Unbind(service);
            if (patch is not null && await PatchAsync(service, patch, cancellationToken) is null)
            {
                return ReconcileOutcome.Retry;
            }

            if (service.Metadata.DeletionTimestamp is null && workloads.Synced)
            {
                await gatekeeper.ReleaseAsync(service, cancellationToken);
            }
        }

        await claims.CollectAsync(@namespace, cancellationToken);
        return ReconcileOutcome.Done;
    }

    /// <summary>Being deleted: only our finalizer goes. Opted out: our finalizer, annotations, stop and reservation gate go too; the pods keep their last binding.</summary>
    private static JsonObject? Unbind(InferenceService service)
    {
        var metadata = new JsonObject();
        if (HasFinalizer(service))
        {
            metadata["finalizers"] = OtherFinalizers(service);
        }

        if (service.Metadata.DeletionTimestamp is null)
        {
            var annotations = new JsonObject();
            foreach (var name in new[] { SharingAnnotations.Placement, SharingAnnotations.PlacementStatus, SharingAnnotations.StoppedByWatcher })
            {
                if (service.Annotation(name) is not null)
                {
                    annotations[name] = null;
                }
            }

            if (service.Annotation(SharingAnnotations.StoppedByWatcher) == "true")
            {
                annotations[SharingAnnotations.KServeStop] = null;
            }

            if (annotations.Count > 0)
            {
                metadata["annotations"] = annotations;
            }
        }

        // Opted out, its pods run as they would without the watcher: the reservation gate leaves their template too.
        var ungated = service.Metadata.DeletionTimestamp is null ? PredictorWriteBack.WithoutGate(service) : null;
        if (metadata.Count == 0 && ungated is null)
        {
            return null;
        }

        metadata["resourceVersion"] = service.Metadata.ResourceVersion;
        var patch = new JsonObject { ["metadata"] = metadata };
        if (ungated is not null)
        {
            patch["spec"] = ungated;
        }

        return patch;
    }

    private WriteBack Desired(ModelView view, bool gated)
    {
        var placed = view.Placements;
        var text = view.Status switch
        {
            ModelStatus.Placed => "Placed",
            ModelStatus.Running => "Running",
            ModelStatus.Pending => $"Pending: {view.Message}",
            ModelStatus.Preempted => $"Preempted: {view.Message}",
            ModelStatus.Failed => $"Failed: {view.Message}",
            _ => view.Status.ToString(),
        };
        var binding = placed.Count == 0 ? null : Binding(view) with { Gated = gated };
        var record = new
        {
            model = view.Sizing?.ResolvedModel,
            isolation = WireNames.Of(view.Spec.EffectiveIsolation),
            priority = WireNames.Of(view.Spec.Priority),
            replicas = placed.Select(p => new
            {
                replica = p.Replica,
                node = p.Node,
                gpu = p.Gpu,
                partitions = p.Partitions.ToArray(),
                computeMode = p.ComputeMode.ToString(),
                memoryMode = p.MemoryMode.ToString(),
                resource = p.Binding?.ResourceName,
                reservedBytes = p.ReservedBytes,
                kvCacheBytes = p.KvCacheBytes,
            }).ToArray(),
            pending = view.Pending.Count == 0 ? null : view.Pending.Select(p => new { replica = p.Replica, node = p.Node, gpu = p.Gpu, reason = p.Reason }).ToArray(),
            claim = binding?.ClaimName,
            vllmArgs = binding?.VllmArguments,
        };
        return new WriteBack(Truncate(text), JsonSerializer.Serialize(record, PlacementJson), HoldFinalizer: true, Stop: placed.Count == 0, binding);
    }

    private PredictorBinding Binding(ModelView view)
    {
        var placed = view.Placements;
        var nodes = placed.Select(p => p.Node).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var first = placed[0];
        var arguments = PredictorWriteBack.ManagedArguments(first.Binding?.VllmArguments ?? []);
        if (view.Spec.EffectiveIsolation == Isolation.Exclusive)
        {
            // One pod template for every replica: the resource most replicas were placed on.
            var resource = placed.GroupBy(p => p.Binding?.ResourceName ?? "amd.com/gpu").OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;
            return new PredictorBinding(nodes, resource, first.Span, null, arguments, new Dictionary<string, string>());
        }

        if (string.Equals(options.Value.SharedBinding, "host-devices", StringComparison.Ordinal))
        {
            return new PredictorBinding(nodes, null, 0, null, arguments, first.Binding?.Environment ?? new Dictionary<string, string>());
        }

        var claim = SharedPartitionClaims.ClaimName(first.Node, first.Gpu, first.FirstPartition);
        return new PredictorBinding(nodes, null, 0, claim, arguments, new Dictionary<string, string>());
    }

    private async Task<ReconcileOutcome> WriteAsync(InferenceService service, WriteBack desired, bool holdFinalizer, CancellationToken cancellationToken, ReplicaPlacement? placement = null)
    {
        desired = desired with { HoldFinalizer = holdFinalizer };
        var patch = PredictorWriteBack.Patch(service, desired, options.Value);
        if (patch is null)
        {
            return ReconcileOutcome.Done;
        }

        if (desired.Binding?.ClaimName is { } claim && placement is not null)
        {
            await claims.EnsureAsync(service.Metadata.NamespaceProperty, claim, placement.Node, placement.Devices.FirstOrDefault()?.Bdf, cancellationToken);
        }

        // The Event goes first: whoever sees the new status on the object finds its Event already there. (A patch that
        // then loses a race is retried; the retry records the same transition again, which the recorder folds into the
        // first Event's count.)
        var before = service.Annotation(SharingAnnotations.PlacementStatus);
        var (reason, type) = Reason(desired.Status);
        if (before is null || Reason(before).Reason != reason || (reason == "Invalid" && before != desired.Status))
        {
            await events.RecordAsync(service, type, reason, Message(desired.Status, service), cancellationToken);
        }

        return await PatchAsync(service, patch, cancellationToken) is null ? ReconcileOutcome.Retry : ReconcileOutcome.Done;
    }

    /// <summary>Sends a merge patch; the answer goes into the cache. Null when the object changed or vanished meanwhile (the watch brings the news).</summary>
    private async Task<InferenceService?> PatchAsync(InferenceService service, JsonObject patch, CancellationToken cancellationToken)
    {
        try
        {
            status.RecordWrite();
            var response = await kubernetes.CustomObjects.PatchNamespacedCustomObjectAsync(
                new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch),
                KServeKind.Group,
                KServeKind.VersionOf(service.ApiVersion), // the version it was read in: the one this API server serves
                service.Metadata.NamespaceProperty,
                service.ResourceKind.Plural,
                service.Metadata.Name,
                cancellationToken: cancellationToken);
            var updated = KubernetesJson.Deserialize<InferenceService>(((JsonElement)response).GetRawText());
            (updated.Kind, updated.ApiVersion) = (service.Kind, service.ApiVersion); // its key carries the kind: never guessed
            cache.Upsert(updated);
            return updated;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            if (ex.Response.StatusCode == HttpStatusCode.Conflict)
            {
                status.RecordConflict();
            }

            LogPatchRaced(logger, service.Key, (int)ex.Response.StatusCode);
            return null;
        }
    }

    private static WriteBack Invalid(IReadOnlyList<string> errors) =>
        new(Truncate($"Invalid: {string.Join(" ", errors)}"), null, HoldFinalizer: false, Stop: false, null);

    private static (string Reason, string Type) Reason(string status)
    {
        var reason = status.Split(':', 2)[0];
        return (reason, reason is "Placed" or "Running" or "Pending" ? "Normal" : "Warning");
    }

    private static string Message(string status, InferenceService service) => status.Split(':', 2) switch
    {
        [_, var detail] => detail.Trim(),
        ["Placed"] => $"{service.Key}: every replica has a partition; the predictor is bound to it.",
        ["Running"] => $"{service.Key}: the predictor is ready on its partitions.",
        _ => status,
    };

    private static bool HasFinalizer(InferenceService service) =>
        service.Metadata.Finalizers?.Contains(SharingAnnotations.Finalizer) == true;

    private static JsonArray OtherFinalizers(InferenceService service) =>
        new([.. (service.Metadata.Finalizers ?? []).Where(f => f != SharingAnnotations.Finalizer).Select(f => (JsonNode)f)]);

    private static bool IsReady(InferenceService service) =>
        service.Status?["conditions"] is JsonArray conditions
        && conditions.Any(c => c?["type"]?.GetValue<string>() == "Ready" && c["status"]?.GetValue<string>() == "True")
        && service.Status["observedGeneration"] is JsonValue observed && observed.TryGetValue<long>(out var generation) && generation >= (service.Metadata.Generation ?? 0);

    private static string Truncate(string text) => text.Length <= 1024 ? text : text[..1023] + "…";

    [LoggerMessage(Level = LogLevel.Information, Message = "Released {Service}: {Why}")]
    private static partial void LogReleased(ILogger logger, string service, string why);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Service} changed while it was being written ({Status}); it is reconciled again")]
    private static partial void LogPatchRaced(ILogger logger, string service, int status);
}

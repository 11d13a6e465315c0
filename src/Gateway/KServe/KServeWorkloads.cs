using k8s.Models;

namespace GpuSharing.Gateway.KServe;

/// <summary>
/// How the pods and Deployments KServe makes for an object are found and traced back to it: an InferenceService's
/// (raw deployment mode) carry <c>serving.kserve.io/inferenceservice: {name}</c> and its Deployment is
/// <c>{name}-predictor</c>; an LLMInferenceService's carry <c>app.kubernetes.io/part-of: llminferenceservice</c>,
/// <c>app.kubernetes.io/name: {name}</c> and <c>kserve.io/component: workload</c>, and its Deployment is
/// <c>{name}-kserve</c> (KServe v0.20.0).
/// </summary>
public static class KServeWorkloads
{
    public const string InferenceServiceLabel = "serving.kserve.io/inferenceservice";
    public const string PartOfLabel = "app.kubernetes.io/part-of";
    public const string NameLabel = "app.kubernetes.io/name";
    public const string ComponentLabel = "kserve.io/component";
    public const string LlmPartOf = "llminferenceservice";
    public const string LlmComponent = "workload";

    /// <summary>Written on a pod whose gate the watcher lifted: the replica whose reservation it runs on.</summary>
    public const string ReplicaAnnotation = "aim.amd.com/replica";

    /// <summary>Kubernetes' hint to a ReplicaSet scaling down: pods of lower cost go first.</summary>
    public const string DeletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost";

    /// <summary>The label selector of the workloads of a kind (what the informers watch).</summary>
    public static string Selector(KServeKind kind) =>
        kind.IsLlm ? $"{PartOfLabel}={LlmPartOf},{ComponentLabel}={LlmComponent}" : InferenceServiceLabel;

    /// <summary>The key of the object a pod or Deployment belongs to; null when its labels name none of this kind.</summary>
    public static string? OwnerKey(KServeKind kind, V1ObjectMeta? metadata)
    {
        var labels = metadata?.Labels;
        if (labels is null || metadata!.NamespaceProperty is not { } @namespace)
        {
            return null;
        }

        if (kind.IsLlm)
        {
            return labels.TryGetValue(PartOfLabel, out var partOf) && partOf == LlmPartOf && labels.TryGetValue(NameLabel, out var llm) && llm.Length > 0
                ? kind.Key(@namespace, llm)
                : null;
        }

        return labels.TryGetValue(InferenceServiceLabel, out var name) && name.Length > 0 ? kind.Key(@namespace, name) : null;
    }

    /// <summary>The Deployment an autoscaler scales for the object: its <c>spec.replicas</c> is the number of pods wanted.</summary>
    public static string ScaleTargetName(KServeKind kind, string objectName) =>
        kind.IsLlm ? objectName + "-kserve" : objectName + "-predictor";
}

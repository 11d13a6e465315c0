namespace GpuSharing.Gateway.KServe;

/// <summary>
/// The annotations of the external contract (prefix <c>aim.amd.com/</c>): what an InferenceService asks for, and what
/// the watcher writes back. <see cref="Model"/>, <see cref="MaxNumSeqs"/> and <see cref="Isolation"/> extend the
/// contract; everything else is as the founding design names it.
/// </summary>
public static class SharingAnnotations
{
    public const string Prefix = "aim.amd.com/";

    /// <summary><c>"enabled"</c> opts the object in; anything else (or nothing) leaves it alone.</summary>
    public const string GpuSharing = Prefix + "gpu-sharing";

    public const string Enabled = "enabled";

    /// <summary>A cap on each replica's memory: <c>40GB</c>, <c>40Gi</c>, <c>40000MB</c>, or bytes.</summary>
    public const string MemoryLimit = Prefix + "memory-limit";

    /// <summary>Pins the replicas to one GPU: <c>{node}/{gpu}</c>.</summary>
    public const string PartitionId = Prefix + "partition-id";

    /// <summary><c>high</c> | <c>medium</c> | <c>low</c>.</summary>
    public const string QosPriority = Prefix + "qos-priority";

    /// <summary><c>fp32</c> | <c>bf16</c> | <c>fp16</c> | <c>fp8</c> | <c>int8</c> | <c>int4</c>.</summary>
    public const string Precision = Prefix + "precision";

    public const string MaxModelLen = Prefix + "max-model-len";

    public const string SloTtftMs = Prefix + "slo-ttft-ms";

    public const string SloTpotMs = Prefix + "slo-tpot-ms";

    /// <summary>The model (Hugging Face id or catalog name) when the predictor's storageUri or arguments do not name it.</summary>
    public const string Model = Prefix + "model";

    public const string MaxNumSeqs = Prefix + "max-num-seqs";

    /// <summary><c>exclusive</c> | <c>shared</c>; default: exclusive for high or more than one replica, shared otherwise.</summary>
    public const string Isolation = Prefix + "isolation";

    /// <summary>Written back: where the replicas are and how they are bound (JSON).</summary>
    public const string Placement = Prefix + "placement";

    /// <summary>Written back: <c>Placed</c>, <c>Running</c>, <c>Pending: …</c>, <c>Preempted: …</c>, <c>Failed: …</c> or <c>Invalid: …</c>.</summary>
    public const string PlacementStatus = Prefix + "placement-status";

    /// <summary>Written back: the watcher stopped the predictor (KServe's stop annotation) while it has no partition.</summary>
    public const string StoppedByWatcher = Prefix + "stopped-by-gpu-sharing";

    /// <summary>KServe's own annotation that scales an InferenceService to nothing.</summary>
    public const string KServeStop = "serving.kserve.io/stop";

    /// <summary>KServe's list of extra GPU resource names for an InferenceService, so it treats a partition resource as a GPU.</summary>
    public const string KServeGpuResourceTypes = "serving.kserve.io/gpu-resource-types";

    /// <summary>Held while the deployment has reservations, so that deleting the object releases them first.</summary>
    public const string Finalizer = "aim.amd.com/gpu-sharing";

    /// <summary>The <see cref="Grains.Interfaces.Models.DeploymentSpec.ManagedBy"/> of deployments this watcher owns.</summary>
    public const string ManagedBy = "kserve";
}

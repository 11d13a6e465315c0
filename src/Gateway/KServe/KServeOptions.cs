using System.ComponentModel.DataAnnotations;

namespace GpuSharing.Gateway.KServe;

/// <summary>The InferenceService watcher's settings (<c>GpuSharing:KServe</c>).</summary>
public sealed class KServeOptions
{
    public const string SectionName = "GpuSharing:KServe";

    /// <summary>Watch InferenceServices. Off by default: the local system has no Kubernetes.</summary>
    public bool Enabled { get; set; }

    /// <summary>The API server's URL; without one, the in-cluster service account (in a pod) or the default kubeconfig.</summary>
    public string? ApiServer { get; set; }

    /// <summary>The namespaces to watch; empty: all of them.</summary>
    public string[] Namespaces { get; set; } = [];

    /// <summary>Where the leader-election Lease lives (default: env <c>POD_NAMESPACE</c>, else <c>gpu-sharing</c>).</summary>
    public string? LeaseNamespace { get; set; }

    [Required]
    public string LeaseName { get; set; } = "gpu-sharing-kserve-watcher";

    /// <summary>This replica's name in the Lease and in Events (default: env <c>POD_NAME</c>, else host name and a random suffix).</summary>
    public string? Identity { get; set; }

    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Every object is reconciled again this often, whatever the watch says (level-triggered safety net).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ResyncPeriod { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often a deployment that waits (pending, preempted) is looked at again; it backs off to 8× this.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan PendingRecheck { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the deployments' change feed is read, so that a preemption or a finished repartition reaches the object.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan ChangePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The watch's server-side timeout: the stream is resumed from the last resourceVersion after it.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan WatchTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How many objects are reconciled at once.</summary>
    [Range(1, 256)]
    public int Workers { get; set; } = 8;

    /// <summary>How a shared replica is bound to its partition: <c>dra</c> (a ResourceClaim per partition and namespace) or <c>host-devices</c>.</summary>
    [RegularExpression("^(dra|host-devices)$")]
    public string SharedBinding { get; set; } = "dra";

    /// <summary>The DRA DeviceClass of AMD GPU partitions.</summary>
    [Required]
    public string DeviceClass { get; set; } = "gpu.amd.com";

    /// <summary>The ServingRuntime set on predictors that name none (a vLLM ROCm runtime; see deploy/).</summary>
    public string? ServingRuntime { get; set; } = "gpu-sharing-vllm-rocm";

    /// <summary>
    /// The image set on predictors that name none, so that KServe never swaps in its NVIDIA or CPU image for a pod that
    /// asks for <c>amd.com</c> resources. Pin it by digest in production.
    /// </summary>
    [Required]
    public string VllmImage { get; set; } = "docker.io/rocm/vllm:latest";

    public string EffectiveLeaseNamespace => LeaseNamespace ?? Environment.GetEnvironmentVariable("POD_NAMESPACE") ?? "gpu-sharing";
}

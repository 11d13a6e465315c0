using System.ComponentModel.DataAnnotations;

namespace GpuSharing.Grains.Hardware;

/// <summary>The GPU node a silo manages (configuration section <c>GpuSharing:Node</c>).</summary>
public sealed class NodeOptions
{
    public const string SectionName = "GpuSharing:Node";

    /// <summary>The node name; defaults to the <c>NODE_NAME</c> environment variable (Kubernetes downward API), else the host name.</summary>
    [Required(AllowEmptyStrings = false)]
    [RegularExpression("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", ErrorMessage = "GpuSharing:Node:Name must be a Kubernetes node name (lower-case letters, digits, '-', '.').")]
    public string Name { get; set; } = DefaultName();

    /// <summary><c>simulated</c> or <c>amd-smi</c>.</summary>
    [Required]
    [RegularExpression("^(simulated|amd-smi)$", ErrorMessage = "GpuSharing:Node:Backend must be 'simulated' or 'amd-smi'.")]
    public string Backend { get; set; } = "simulated";

    /// <summary>
    /// What serves the placed replicas of REST deployments on this node: <c>none</c> (KServe or something else runs
    /// them), <c>simulated</c> (a SIMULATED inference server per replica, in this process) or <c>vllm</c> (a
    /// <c>vllm serve</c> child process per replica, <c>GpuSharing:Node:Vllm</c>).
    /// </summary>
    [RegularExpression("^(none|simulated|vllm)$", ErrorMessage = "GpuSharing:Node:Runtime must be 'none', 'simulated' or 'vllm'.")]
    public string Runtime { get; set; } = "none";

    /// <summary>Simulated GPUs, e.g. <c>MI300X:2</c> or <c>MI300X:1,MI355X:1</c>.</summary>
    public string SimulatedGpus { get; set; } = "MI300X:2";

    /// <summary>Where the simulated device keeps its modes, so that they survive a silo restart as a real device's do. Empty: in memory only.</summary>
    public string? SimulatedStateFile { get; set; }

    /// <summary>The ROCm release the simulated device behaves like (7.0+: a memory-mode change waits for a driver reload).</summary>
    public string SimulatedRocmVersion { get; set; } = "7.0.0";

    /// <summary><c>Linux Baremetal</c> or <c>Linux Guest</c> (an SR-IOV guest cannot set partitions).</summary>
    public string SimulatedPlatform { get; set; } = "Linux Baremetal";

    public TimeSpan SimulatedComputeDelay { get; set; } = TimeSpan.FromMilliseconds(300);

    public TimeSpan SimulatedMemoryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan SimulatedReloadDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Faults to inject, e.g. <c>set-compute:Busy:1;reload:Timeout:1</c> (operation:kind:times).</summary>
    public string? SimulatedFaults { get; set; }

    public bool IsSimulated => string.Equals(Backend, "simulated", StringComparison.Ordinal);

    private static string DefaultName()
    {
        var name = Environment.GetEnvironmentVariable("NODE_NAME");
        return string.IsNullOrWhiteSpace(name) ? Environment.MachineName.ToLowerInvariant() : name;
    }
}

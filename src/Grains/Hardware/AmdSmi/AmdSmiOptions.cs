using System.ComponentModel.DataAnnotations;

namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>How the node silo runs <c>amd-smi</c> (configuration section <c>GpuSharing:AmdSmi</c>).</summary>
public sealed class AmdSmiOptions
{
    public const string SectionName = "GpuSharing:AmdSmi";

    /// <summary>The amd-smi executable: a path, or a name looked up on PATH.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Path { get; set; } = "amd-smi";

    /// <summary>Limit for read commands (list, static, metric, partition, process).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Limit for <c>set --compute-partition</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ComputePartitionTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Limit for <c>set --memory-partition</c>; AMD says it can take up to 140 s on ROCm 6.4, where it includes the reload.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan MemoryPartitionTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Limit for a driver reload (<c>amd-smi reset -r</c> or modprobe).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan DriverReloadTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Environment variables for amd-smi (for example a PYTHONPATH or LD_LIBRARY_PATH in a container image).</summary>
    public Dictionary<string, string> Environment { get; set; } = [];

    /// <summary>Used to reload the driver from ROCm 7.12 on, where <c>amd-smi reset -r</c> no longer exists.</summary>
    [Required(AllowEmptyStrings = false)]
    public string ModprobePath { get; set; } = "modprobe";
}

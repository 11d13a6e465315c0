using System.ComponentModel.DataAnnotations;

namespace GpuSharing.Silo.Serving;

/// <summary>How a node silo runs <c>vllm serve</c> for its replicas (<c>GpuSharing:Node:Vllm</c>, with <c>Runtime=vllm</c>).</summary>
public sealed class VllmOptions : IValidatableObject
{
    public const string SectionName = "GpuSharing:Node:Vllm";

    /// <summary>The executable: a path, or a name on <c>PATH</c>. Started with an argument list, never through a shell.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Path { get; set; } = "vllm";

    /// <summary>The address each server listens on (<c>--host</c>).</summary>
    [Required(AllowEmptyStrings = false)]
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>The address the gateway reaches the servers at; default: <see cref="Host"/> (set it to the pod IP when listening on 0.0.0.0).</summary>
    public string? AdvertisedHost { get; set; }

    /// <summary>The ports the servers are given, one each, lowest free first.</summary>
    [Range(1024, 65535)]
    public int FirstPort { get; set; } = 8100;

    [Range(1024, 65535)]
    public int LastPort { get; set; } = 8199;

    /// <summary>The wait before the first restart of a server that exited; doubled after each exit up to <see cref="MaxRestartDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan RestartDelay { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan MaxRestartDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A server that ran this long before it exited starts again after <see cref="RestartDelay"/>, not the doubled wait.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan StableAfter { get; set; } = TimeSpan.FromMinutes(2);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (LastPort < FirstPort)
        {
            yield return new ValidationResult("GpuSharing:Node:Vllm:LastPort must not be below FirstPort.", [nameof(LastPort)]);
        }

        if (MaxRestartDelay < RestartDelay)
        {
            yield return new ValidationResult("GpuSharing:Node:Vllm:MaxRestartDelay must not be below RestartDelay.", [nameof(MaxRestartDelay)]);
        }
    }
}

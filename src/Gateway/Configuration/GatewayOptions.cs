using System.ComponentModel.DataAnnotations;

namespace GpuSharing.Gateway.Configuration;

/// <summary>The gateway's settings (<c>GpuSharing:Gateway</c>).</summary>
public sealed class GatewayOptions : IValidatableObject
{
    public const string SectionName = "GpuSharing:Gateway";

    /// <summary>The Orleans gateway port a silo listens on by default, dialled when no port is configured.</summary>
    public const int DefaultSiloGatewayPort = 30000;

    /// <summary>
    /// The token callers present as <c>Authorization: Bearer …</c> on mutating routes and the dashboard. Without one the
    /// gateway only starts when it listens on loopback (the local default); with one it is always required.
    /// </summary>
    public string? BearerToken { get; set; }

    /// <summary>
    /// With localhost clustering: the silos' Orleans gateway ports. A configured list replaces the default; it never
    /// adds to it. (The configuration binder appends to an array that is already filled, so the default is not put
    /// here but applied by <see cref="EffectiveSiloGatewayPorts"/>: a gateway told 31000 must not also dial 30000,
    /// where another local cluster may answer.)
    /// </summary>
    public int[] SiloGatewayPorts { get; set; } = [];

    /// <summary>The ports the gateway dials: the configured ones, or the default when none is configured.</summary>
    public IReadOnlyList<int> EffectiveSiloGatewayPorts => SiloGatewayPorts is { Length: > 0 } ports ? ports : [DefaultSiloGatewayPort];

    /// <summary>
    /// Absolute directories under which a deployment's <c>model</c> may be a local path (the model server reads it
    /// from the node). Empty: only Hugging Face ids and catalog names.
    /// </summary>
    public string[] LocalModelPathPrefixes { get; set; } = [];

    /// <summary>Request bodies larger than this are refused with 413.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxRequestBodyBytes { get; set; } = 64 * 1024;

    /// <summary>How long a grain call from a request may take before the request fails with 504.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan GrainCallTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// The most deployments one what-if plan may hold. It must be reachable within <see cref="MaxRequestBodyBytes"/>
    /// (a deployment takes at least <see cref="SmallestPlanEntryBytes"/> bytes): 500 typical entries fill the 64 KiB default.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxPlanDeployments { get; set; } = 500;

    /// <summary>The most replicas, summed over its deployments, one plan may place.</summary>
    [Range(1, 100_000)]
    public int MaxPlanReplicas { get; set; } = 4096;

    /// <summary>The largest hypothetical fleet a plan may name, in GPUs.</summary>
    [Range(1, 100_000)]
    public int MaxPlanGpus { get; set; } = 4096;

    /// <summary>How long one plan may compute before it is abandoned (422: plan less at a time).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:05:00")]
    public TimeSpan PlanTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Plans computed at once by this gateway; more wait in a short queue, and beyond it get 429 with Retry-After.</summary>
    [Range(1, 64)]
    public int MaxConcurrentPlans { get; set; } = 2;

    /// <summary>The fewest bytes a plan's deployment entry can take: <c>{"namespace":"a","name":"b","model":"x"},</c>.</summary>
    public const int SmallestPlanEntryBytes = 42;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var port in SiloGatewayPorts.Where(p => p is < 1 or > 65535))
        {
            yield return new ValidationResult($"GpuSharing:Gateway:SiloGatewayPorts: {port} is not a TCP port (1–65535).", [nameof(SiloGatewayPorts)]);
        }

        if ((long)MaxPlanDeployments * SmallestPlanEntryBytes > MaxRequestBodyBytes)
        {
            // A count no body can reach promises what the route cannot take: the two limits must agree.
            yield return new ValidationResult(
                $"GpuSharing:Gateway:MaxPlanDeployments ({MaxPlanDeployments}) cannot fit in MaxRequestBodyBytes ({MaxRequestBodyBytes}); at most {MaxRequestBodyBytes / SmallestPlanEntryBytes} deployments fit.",
                [nameof(MaxPlanDeployments)]);
        }
    }
}

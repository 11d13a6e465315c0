using System.ComponentModel.DataAnnotations;

namespace GpuSharing.Gateway.Hosting;

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

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        SiloGatewayPorts.Where(p => p is < 1 or > 65535).Select(p => new ValidationResult($"GpuSharing:Gateway:SiloGatewayPorts: {p} is not a TCP port (1–65535).", [nameof(SiloGatewayPorts)]));
}

using System.ComponentModel.DataAnnotations;

namespace GpuSharing.Gateway.Hosting;

/// <summary>The gateway's settings (<c>GpuSharing:Gateway</c>).</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "GpuSharing:Gateway";

    /// <summary>
    /// The token callers present as <c>Authorization: Bearer …</c> on mutating routes and the dashboard. Without one the
    /// gateway only starts when it listens on loopback (the local default); with one it is always required.
    /// </summary>
    public string? BearerToken { get; set; }

    /// <summary>With localhost clustering: the silos' Orleans gateway ports.</summary>
    public int[] SiloGatewayPorts { get; set; } = [30000];

    /// <summary>Request bodies larger than this are refused with 413.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxRequestBodyBytes { get; set; } = 64 * 1024;

    /// <summary>How long a grain call from a request may take before the request fails with 504.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan GrainCallTimeout { get; set; } = TimeSpan.FromSeconds(120);
}

using System.ComponentModel.DataAnnotations;

namespace GpuSharing.Silo.Configuration;

/// <summary>The silo's role and network identity (<c>GpuSharing:Silo</c>).</summary>
public sealed class SiloHostOptions
{
    public const string SectionName = "GpuSharing:Silo";

    public SiloRole Role { get; set; } = SiloRole.All;

    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos reach this one at; defaults to POD_IP in Kubernetes and loopback elsewhere.</summary>
    public string? AdvertisedAddress { get; set; } = Environment.GetEnvironmentVariable("POD_IP");

    /// <summary>Listen on every interface (Kubernetes) rather than on the advertised address only.</summary>
    public bool ListenOnAnyAddress { get; set; }

    /// <summary>With localhost clustering: the silo port of the primary silo, when this silo is not it.</summary>
    public int? PrimarySiloPort { get; set; }

    /// <summary>Declare dead silos in about a second instead of about twelve (tests and small local clusters).</summary>
    public bool FastFailureDetection { get; set; }

    public bool HostsNode => Role is SiloRole.Node or SiloRole.All;
}

using System.ComponentModel.DataAnnotations;

namespace GpuSharing.ClusterSecurity;

/// <summary>
/// Mutual TLS on the Orleans ports (<c>GpuSharing:Tls</c>): every silo and gateway presents a certificate signed by the
/// cluster's CA and accepts only peers that do. PEM files, as cert-manager writes them into a Secret (<c>tls.crt</c>,
/// <c>tls.key</c>, <c>ca.crt</c>). Off by default (the local default is loopback only); on in the production overlay.
/// </summary>
public sealed class ClusterTlsOptions : IValidatableObject
{
    public const string SectionName = "GpuSharing:Tls";

    public bool Enabled { get; set; }

    /// <summary>This process's certificate (PEM), with the client and server authentication usages (or none).</summary>
    public string? CertificatePath { get; set; }

    /// <summary>Its private key (PEM).</summary>
    public string? KeyPath { get; set; }

    /// <summary>The CA (PEM, one or more certificates) that every peer's certificate must chain to.</summary>
    public string? CaPath { get; set; }

    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }

        foreach (var (name, path) in new[] { (nameof(CertificatePath), CertificatePath), (nameof(KeyPath), KeyPath), (nameof(CaPath), CaPath) })
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                yield return new ValidationResult($"{SectionName}:{name} is required when {SectionName}:Enabled is true.", [name]);
            }
            else if (!File.Exists(path))
            {
                yield return new ValidationResult($"{SectionName}:{name}: {path} does not exist.", [name]);
            }
        }
    }
}

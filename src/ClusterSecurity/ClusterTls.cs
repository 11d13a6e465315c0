using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Orleans.Connections.Security;

namespace GpuSharing.ClusterSecurity;

/// <summary>
/// Turns <see cref="ClusterTlsOptions"/> into Orleans' TLS: the local certificate, a required certificate from every
/// peer (silo to silo, gateway to silo), and a peer accepted only when its certificate chains to the cluster's CA —
/// the CA alone is trusted, not the machine's store, and names are not checked (silos dial each other by IP).
/// </summary>
public static class ClusterTls
{
    /// <summary>Mutual TLS on a silo's ports when <c>GpuSharing:Tls:Enabled</c>; the settings are checked first.</summary>
    public static ISiloBuilder UseClusterTls(this ISiloBuilder silo, IConfiguration configuration)
    {
        if (Read(configuration) is { } options)
        {
            silo.UseTls(tls => Configure(tls, options));
        }

        return silo;
    }

    /// <summary>Mutual TLS on a client's (the gateway's) connections to the silos when <c>GpuSharing:Tls:Enabled</c>.</summary>
    public static IClientBuilder UseClusterTls(this IClientBuilder client, IConfiguration configuration)
    {
        if (Read(configuration) is { } options)
        {
            client.UseTls(tls => Configure(tls, options));
        }

        return client;
    }

    /// <summary>Whether <paramref name="certificate"/> chains to one of <paramref name="authorities"/> (and only to them).</summary>
    public static bool ChainsTo(X509Certificate2 certificate, X509Certificate2Collection authorities)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
        return chain.Build(certificate);
    }

    private static ClusterTlsOptions? Read(IConfiguration configuration)
    {
        var options = new ClusterTlsOptions();
        configuration.GetSection(ClusterTlsOptions.SectionName).Bind(options);
        if (!options.Enabled)
        {
            return null;
        }

        var errors = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true))
        {
            throw new InvalidOperationException($"Invalid configuration: {string.Join(" ", errors.Select(e => e.ErrorMessage))}");
        }

        return options;
    }

    private static void Configure(TlsOptions tls, ClusterTlsOptions options)
    {
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(options.CaPath!);
        tls.LocalCertificate = X509Certificate2.CreateFromPemFile(options.CertificatePath!, options.KeyPath!);
        tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        tls.HandshakeTimeout = options.HandshakeTimeout;
        tls.RemoteCertificateValidation = (certificate, _, _) => ChainsTo(certificate, authorities);
    }
}

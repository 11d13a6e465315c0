using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace GpuSharing.Integration.Tests;

/// <summary>A throwaway CA and a certificate it signed, written as PEM files (tls.crt, tls.key, ca.crt) as cert-manager would.</summary>
public sealed class TestCertificates : IDisposable
{
    private TestCertificates(string directory) => Directory = directory;

    public string Directory { get; }

    public string CertificatePath => Path.Combine(Directory, "tls.crt");

    public string KeyPath => Path.Combine(Directory, "tls.key");

    public string CaPath => Path.Combine(Directory, "ca.crt");

    /// <summary>The settings that turn mutual TLS on with these files.</summary>
    public IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["GpuSharing:Tls:Enabled"] = "true",
        ["GpuSharing:Tls:CertificatePath"] = CertificatePath,
        ["GpuSharing:Tls:KeyPath"] = KeyPath,
        ["GpuSharing:Tls:CaPath"] = CaPath,
    };

    public static TestCertificates Create(string authority)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("gpu-sharing-tls-").FullName;
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest($"CN={authority}", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=gpu-sharing", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(29), RandomNumberGenerator.GetBytes(16));

        var result = new TestCertificates(directory);
        File.WriteAllText(result.CertificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(result.KeyPath, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(result.CaPath, ca.ExportCertificatePem());
        return result;
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}

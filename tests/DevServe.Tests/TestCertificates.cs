using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace DevServe.Tests;

/// <summary>Self-signed certificates made by the test itself, written as PEM files.</summary>
public static class TestCertificates
{
    public static Tls WritePem(string directory)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var cert = Path.Combine(directory, "server-cert.pem");
        var keyPath = Path.Combine(directory, "private-key.pem");
        File.WriteAllText(cert, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return new Tls(cert, keyPath);
    }
}

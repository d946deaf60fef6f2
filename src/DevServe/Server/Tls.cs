namespace DevServe;

/// <summary>HTTPS from a PEM certificate (chain) file and a PEM private key file.</summary>
/// <param name="CertificatePath">The certificate, PEM; intermediate certificates may follow it.</param>
/// <param name="KeyPath">The private key, PEM (PKCS#8, PKCS#1 or SEC1), unencrypted.</param>
/// <remarks>Racket: <c>make-ssl-connect@ cert key</c> (<c>ssl-load-certificate-chain!</c>, <c>ssl-load-private-key!</c>).</remarks>
public sealed record Tls(string CertificatePath, string KeyPath);

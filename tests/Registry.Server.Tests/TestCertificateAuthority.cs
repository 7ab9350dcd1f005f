using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Registry.Server.Tests;

/// <summary>A certificate authority made in process for TLS tests: an ECDSA P-256 root (or intermediate) that issues server leaves, and PEM file writing.</summary>
/// <remarks>Valid from 30 days ago for a year, so a test can issue leaves that expired in the past but inside the CA's validity.</remarks>
internal sealed class TestCertificateAuthority : IDisposable
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");

    /// <summary>A self-signed root named <paramref name="name"/>, or an intermediate CA issued by <paramref name="issuer"/>.</summary>
    public TestCertificateAuthority(string name = "Registry Test CA", TestCertificateAuthority? issuer = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        if (issuer is null)
        {
            Certificate = request.CreateSelfSigned(now.AddDays(-30), now.AddYears(1));
            return;
        }

        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer.Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        using var issued = request.Create(issuer.Certificate, now.AddDays(-29), now.AddDays(300), RandomNumberGenerator.GetBytes(8));
        Certificate = issued.CopyWithPrivateKey(key);
    }

    /// <summary>The CA certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>A leaf for localhost and 127.0.0.1 valid from an hour ago for 30 days.</summary>
    public X509Certificate2 IssueLocalhost() =>
        Issue(["localhost"], [IPAddress.Loopback], DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(30));

    /// <summary>A server leaf (with its private key) whose SAN holds <paramref name="dnsNames"/> and <paramref name="addresses"/>, valid from <paramref name="notBefore"/> to <paramref name="notAfter"/>.</summary>
    public X509Certificate2 Issue(string[] dnsNames, IPAddress[] addresses, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=registry test server", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames)
        {
            names.AddDnsName(name);
        }

        foreach (var address in addresses)
        {
            names.AddIpAddress(address);
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ServerAuthentication], critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        using var issued = request.Create(Certificate, notBefore, notAfter, RandomNumberGenerator.GetBytes(8));
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>Writes the root as a PEM file at <paramref name="path"/> (what a client's CA file holds) and returns the path.</summary>
    public string WriteCaFile(string path)
    {
        File.WriteAllText(path, Certificate.ExportCertificatePem());
        return path;
    }

    /// <summary>Writes <paramref name="certificate"/> and <paramref name="key"/> as <c>server.pem</c> and <c>server.key</c> in <paramref name="directory"/> (created if missing).</summary>
    public static (string CertFile, string KeyFile) WritePem(string directory, X509Certificate2 certificate, ECDsa key)
    {
        Directory.CreateDirectory(directory);
        var certFile = Path.Combine(directory, "server.pem");
        var keyFile = Path.Combine(directory, "server.key");
        File.WriteAllText(certFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certFile, keyFile);
    }

    /// <summary>Writes a leaf from <see cref="Issue"/> with its own key as PEM files in <paramref name="directory"/>.</summary>
    public static (string CertFile, string KeyFile) WriteLeaf(string directory, X509Certificate2 leaf)
    {
        using var key = leaf.GetECDsaPrivateKey()!;
        return WritePem(directory, leaf, key);
    }

    public void Dispose() => Certificate.Dispose();
}

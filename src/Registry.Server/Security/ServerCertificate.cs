using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Registry.Server.Hosting;

namespace Registry.Server.Security;

/// <summary>The client listener's TLS certificate, loaded or generated once at start (§1.1).</summary>
/// <remarks>
/// Failure policy: anything wrong with the files (missing, unreadable, not PEM, key not matching) is a
/// <see cref="ServerStartupException"/> naming the file, so the server never falls back to plaintext.
/// </remarks>
internal sealed class ServerCertificate
{
    private ServerCertificate(X509Certificate2 leaf, X509Certificate2Collection intermediates, string source)
    {
        Context = SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
        Pin = PinnedTls.PinOf(leaf);
        NotAfter = leaf.NotAfter.ToUniversalTime();
        Source = source;
    }

    /// <summary>What the handshake presents: the leaf with its private key and any intermediates.</summary>
    public SslStreamCertificateContext Context { get; }

    /// <summary>The leaf's pin, for clients that pin the server (<see cref="PinnedTls"/>).</summary>
    public string Pin { get; }

    /// <summary>When the leaf expires (UTC).</summary>
    public DateTime NotAfter { get; }

    /// <summary>Where the certificate came from, for the start log line.</summary>
    public string Source { get; }

    /// <summary>Loads or generates the certificate <paramref name="options"/> describe (which must be <see cref="TlsOptions.Enabled"/>).</summary>
    public static ServerCertificate Load(TlsOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.SelfSigned
            ? new ServerCertificate(SelfSigned(time.GetUtcNow()), [], "self-signed")
            : FromPemFiles(options.CertificateFile!, options.KeyFile!);
    }

    /// <summary>An ECDSA P-256 certificate for O="Pilot Protocol", valid one year from <paramref name="now"/>, with SANs localhost, 127.0.0.1 and ::1.</summary>
    public static X509Certificate2 SelfSigned(DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost, O=Pilot Protocol", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));

        // Backdated a minute so a client whose clock is slightly behind does not see a certificate from the future.
        return request.CreateSelfSigned(now.AddMinutes(-1), now.AddYears(1));
    }

    private static ServerCertificate FromPemFiles(string certificateFile, string keyFile)
    {
        // Full paths in the messages: a relative path is resolved against a working directory the operator may not know.
        certificateFile = Path.GetFullPath(certificateFile);
        keyFile = Path.GetFullPath(keyFile);
        X509Certificate2 leaf;
        var chain = new X509Certificate2Collection();
        try
        {
            leaf = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
            chain.ImportFromPemFile(certificateFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ServerStartupException($"cannot read the TLS certificate or key ({certificateFile}, {keyFile}): {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            // CreateFromPemFile reports a key that belongs to another certificate as an ArgumentException.
            throw new ServerStartupException($"TLS certificate {certificateFile} with key {keyFile} is unusable: {ex.Message}", ex);
        }

        if (!leaf.HasPrivateKey)
        {
            throw new ServerStartupException($"TLS key {keyFile} holds no private key for {certificateFile}");
        }

        // The first certificate in the file is the leaf (already loaded with its key); the rest are intermediates sent along in the handshake.
        chain[0].Dispose();
        chain.RemoveAt(0);

        return new ServerCertificate(leaf, chain, certificateFile);
    }
}

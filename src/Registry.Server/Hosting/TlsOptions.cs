namespace Registry.Server.Hosting;

/// <summary>TLS of the client listener, bound from <c>Registry:Tls</c>; off unless a certificate source is set (docs/operations.md).</summary>
public sealed class TlsOptions
{
    /// <summary>A PEM file with the server certificate first, then any intermediates; needs <see cref="KeyFile"/>.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>A PEM file with the private key of <see cref="CertificateFile"/> (PKCS#8, RSA or EC; unencrypted).</summary>
    public string? KeyFile { get; set; }

    /// <summary>True generates an ECDSA P-256 self-signed certificate in memory at every start (clients must pin it; the pin changes per start).</summary>
    public bool SelfSigned { get; set; }

    /// <summary>True when any TLS source is configured.</summary>
    public bool Enabled => SelfSigned || !string.IsNullOrEmpty(CertificateFile) || !string.IsNullOrEmpty(KeyFile);
}

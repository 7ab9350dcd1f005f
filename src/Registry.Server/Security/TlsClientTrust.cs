using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Registry.Server.Security;

/// <summary>The client side of the protocol's TLS (§1.1): how a client decides to trust the server, and the handshake that applies it.</summary>
/// <remarks>
/// Three modes, one per instance (docs/adr/0009-tls-pinning.md):
/// <list type="bullet">
/// <item><see cref="Pinned"/>: exactly the leaf with a known pin; chain, name and expiry are not checked, which is what lets a self-signed server work.</item>
/// <item><see cref="FromCaFile"/>: the server's chain must end at a root in the file (nothing from the machine store) and its SAN must match the dialled host.</item>
/// <item><see cref="SystemStore"/>: the chain must end at a root of the OS trust store, and the name must match.</item>
/// </list>
/// Revocation is not checked in any mode, as Go's crypto/tls does not. Used by the standby follower and <c>registry loadgen</c>.
/// </remarks>
public sealed class TlsClientTrust
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");

    private readonly string? _pin;
    private readonly X509Certificate2Collection? _roots;
    private readonly X509Certificate2Collection? _intermediates;
    private readonly string _description;

    private TlsClientTrust(string? pin, X509Certificate2Collection? roots, X509Certificate2Collection? intermediates, string description)
    {
        _pin = pin;
        _roots = roots;
        _intermediates = intermediates;
        _description = description;
    }

    /// <summary>The trust a client's settings name: a pin, a CA file or the system store (the caller has checked that at most one is set); null for plain TCP.</summary>
    /// <exception cref="ArgumentException">The pin is not 64 hex digits.</exception>
    /// <exception cref="InvalidDataException">The CA file cannot be read or holds no usable CA certificate.</exception>
    public static TlsClientTrust? From(string? pin, string? caFile, bool systemTrust) =>
        !string.IsNullOrEmpty(pin) ? Pinned(pin)
        : !string.IsNullOrEmpty(caFile) ? FromCaFile(caFile)
        : systemTrust ? SystemStore
        : null;

    /// <summary>Validation against the OS trust store plus the host name.</summary>
    public static TlsClientTrust SystemStore { get; } = new(null, null, null, "the system trust store");

    /// <summary>Accept only the leaf whose pin (<see cref="PinnedTls.PinOf"/>) is <paramref name="pin"/>; either case and colon pairs are accepted.</summary>
    /// <exception cref="ArgumentException"><paramref name="pin"/> is not 64 hex digits.</exception>
    public static TlsClientTrust Pinned(string pin) =>
        PinnedTls.TryNormalize(pin, out var normalized)
            ? new TlsClientTrust(normalized, null, null, $"pin {normalized}")
            : throw new ArgumentException($"'{pin}' is not a TLS pin (64 hex digits of SHA-256)", nameof(pin));

    /// <summary>Validation against the CA certificates of the PEM bundle <paramref name="file"/> (self-signed ones are the roots, the rest intermediates) plus the host name.</summary>
    /// <exception cref="InvalidDataException">The file cannot be read or holds no usable CA certificate; the message names the full path.</exception>
    public static TlsClientTrust FromCaFile(string file)
    {
        ArgumentException.ThrowIfNullOrEmpty(file);

        // The full path in messages: a relative path is resolved against a working directory the operator may not know.
        var path = Path.GetFullPath(file);
        var all = new X509Certificate2Collection();
        try
        {
            all.ImportFromPemFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"cannot read the TLS CA file {path}: {ex.Message}", ex);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidDataException($"TLS CA file {path} is not a PEM certificate bundle: {ex.Message}", ex);
        }

        var roots = new X509Certificate2Collection();
        var intermediates = new X509Certificate2Collection();
        foreach (var certificate in all)
        {
            (certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData) ? roots : intermediates).Add(certificate);
        }

        // Only self-signed certificates can anchor a chain under CustomRootTrust; a bundle of intermediates alone would reject every server.
        if (roots.Count == 0)
        {
            throw new InvalidDataException(all.Count == 0
                ? $"TLS CA file {path} holds no PEM certificate"
                : $"TLS CA file {path} holds no self-signed root CA certificate ({all.Count} certificate(s), none self-signed)");
        }

        return new TlsClientTrust(null, roots, intermediates, $"the CA file {path}");
    }

    /// <summary>What this trust accepts, for messages: "pin …", "the CA file …" or "the system trust store".</summary>
    public override string ToString() => _description;

    /// <summary>Runs the TLS client handshake on <paramref name="inner"/> (which the returned stream then owns) and applies this trust to <paramref name="server"/>'s certificate.</summary>
    /// <remarks>The name checked is the host of <paramref name="server"/>: the DNS name of a <see cref="DnsEndPoint"/>, the address of an <see cref="IPEndPoint"/>.</remarks>
    /// <exception cref="AuthenticationException">The handshake failed or the certificate is not trusted; the message names the server and what failed (other pin, untrusted chain, name mismatch, expired).</exception>
    public async Task<SslStream> AuthenticateAsync(Stream inner, EndPoint server, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        var host = server switch
        {
            DnsEndPoint dns => dns.Host,
            IPEndPoint ip => ip.Address.ToString(),
            _ => string.Empty,
        };
        string? failure = null;
        var tls = new SslStream(inner, leaveInnerStreamOpen: false);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = host,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CertificateChainPolicy = _roots is null ? null : CustomRootPolicy(),
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                failure = _pin is null ? Validate(certificate, chain, errors, host) : CheckPin(certificate);
                return failure is null;
            },
        };
        try
        {
            await tls.AuthenticateAsClientAsync(options, cancellationToken);
            return tls;
        }
        catch (AuthenticationException ex) when (failure is not null)
        {
            await tls.DisposeAsync();
            throw new AuthenticationException($"TLS server {server} {failure}", ex);
        }
        catch
        {
            await tls.DisposeAsync();
            throw;
        }
    }

    /// <summary>A fresh policy per handshake: chains must end at one of the file's roots, never at the machine store's.</summary>
    private X509ChainPolicy CustomRootPolicy()
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.AddRange(_roots!);
        policy.ExtraStore.AddRange(_intermediates!);
        policy.ApplicationPolicy.Add(ServerAuthentication);
        return policy;
    }

    private string? CheckPin(X509Certificate? certificate)
    {
        var seen = certificate is null ? "none" : PinnedTls.PinOf(certificate);
        return string.Equals(seen, _pin, StringComparison.Ordinal) ? null : $"presented certificate pin {seen}, not the pinned {_pin}";
    }

    /// <summary>Null when the certificate is trusted; otherwise every problem found, in words an operator can act on.</summary>
    private string? Validate(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, string host)
    {
        if (errors == SslPolicyErrors.None)
        {
            return null;
        }

        var problems = new List<string>();
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable) || certificate is null)
        {
            problems.Add("no certificate");
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            problems.AddRange(ChainProblems(chain));
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) && certificate is X509Certificate2 leaf)
        {
            problems.Add($"name mismatch: the certificate is for {NamesOf(leaf)}, not '{host}'");
        }

        return $"presented a certificate that fails validation against {_description}: {string.Join("; ", problems)}";
    }

    private IEnumerable<string> ChainProblems(X509Chain? chain)
    {
        if (chain is null)
        {
            yield return "chain errors";
            yield break;
        }

        var other = X509ChainStatusFlags.NoError;
        foreach (var element in chain.ChainElements)
        {
            foreach (var status in element.ChainElementStatus)
            {
                other |= status.Status;
            }

            if (element.ChainElementStatus.Any(s => s.Status.HasFlag(X509ChainStatusFlags.NotTimeValid)))
            {
                var certificate = element.Certificate;
                yield return certificate.NotAfter.ToUniversalTime() < DateTime.UtcNow
                    ? $"expired: {certificate.Subject} expired {certificate.NotAfter.ToUniversalTime():u}"
                    : $"not yet valid: {certificate.Subject} is valid from {certificate.NotBefore.ToUniversalTime():u}";
            }
        }

        foreach (var status in chain.ChainStatus)
        {
            other |= status.Status;
        }

        const X509ChainStatusFlags untrusted = X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain;
        if ((other & untrusted) != X509ChainStatusFlags.NoError)
        {
            var subject = chain.ChainElements.Count > 0 ? chain.ChainElements[0].Certificate.Subject : "the certificate";
            yield return $"untrusted chain: {subject} is not issued by a CA in {_description}";
        }

        other &= ~(untrusted | X509ChainStatusFlags.NotTimeValid);
        if (other != X509ChainStatusFlags.NoError)
        {
            yield return $"chain errors: {other}";
        }
    }

    private static string NamesOf(X509Certificate2 certificate)
    {
        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        string[] names = san is null ? [] : [.. san.EnumerateDnsNames(), .. san.EnumerateIPAddresses().Select(a => a.ToString())];
        return names.Length == 0 ? $"{certificate.Subject} (no subject alternative names)" : string.Join(", ", names);
    }
}

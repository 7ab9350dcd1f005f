using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Registry.Server.Security;

/// <summary>The client side of the protocol's TLS (§1.1): dial a server and accept exactly the certificate with a known pin.</summary>
/// <remarks>
/// A pin is the lowercase hex SHA-256 of the leaf certificate's DER bytes, as Go's <c>DialTLSPinned</c> compares it.
/// With a pin, chain and name checks are skipped on purpose: the pin is the whole trust decision, which is what lets a
/// self-signed server certificate work (docs/adr/0009-tls-pinning.md). Used by the standby follower and <c>registry loadgen</c>.
/// </remarks>
public static class PinnedTls
{
    /// <summary>The pin of <paramref name="certificate"/>: lowercase hex SHA-256 of its DER bytes (64 characters).</summary>
    public static string PinOf(X509Certificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Convert.ToHexStringLower(SHA256.HashData(certificate.GetRawCertData()));
    }

    /// <summary>Accepts 64 hex digits in either case, optionally in colon-separated pairs (as <c>openssl x509 -fingerprint</c> prints); false otherwise.</summary>
    public static bool TryNormalize(string? text, out string pin)
    {
        pin = string.Empty;
        var compact = text?.Trim().Replace(":", string.Empty, StringComparison.Ordinal) ?? string.Empty;
        if (compact.Length != SHA256.HashSizeInBytes * 2 || !compact.All(char.IsAsciiHexDigit))
        {
            return false;
        }

        pin = compact.ToLowerInvariant();
        return true;
    }

    /// <summary>Runs the TLS client handshake on <paramref name="inner"/> (which the returned stream then owns) and checks the server's leaf against <paramref name="pin"/>.</summary>
    /// <exception cref="AuthenticationException">The handshake failed or the server's certificate has another pin; the message says which.</exception>
    public static async Task<SslStream> AuthenticateAsync(Stream inner, EndPoint server, string pin, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (!TryNormalize(pin, out var expected))
        {
            throw new ArgumentException($"'{pin}' is not a TLS pin (64 hex digits of SHA-256)", nameof(pin));
        }

        string? seen = null;
        var tls = new SslStream(inner, leaveInnerStreamOpen: false);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = server switch
            {
                DnsEndPoint dns => dns.Host,
                IPEndPoint ip => ip.Address.ToString(),
                _ => string.Empty,
            },
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                seen = certificate is null ? "none" : PinOf(certificate);
                return string.Equals(seen, expected, StringComparison.Ordinal);
            },
        };
        try
        {
            await tls.AuthenticateAsClientAsync(options, cancellationToken);
            return tls;
        }
        catch (AuthenticationException ex) when (seen is not null && !string.Equals(seen, expected, StringComparison.Ordinal))
        {
            await tls.DisposeAsync();
            throw new AuthenticationException($"TLS server {server} presented certificate pin {seen}, not the pinned {expected}", ex);
        }
        catch
        {
            await tls.DisposeAsync();
            throw;
        }
    }
}

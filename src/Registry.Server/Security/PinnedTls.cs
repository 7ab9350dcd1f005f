using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Registry.Server.Security;

/// <summary>TLS pins (§1.1): the lowercase hex SHA-256 of a leaf certificate's DER bytes, as Go's <c>DialTLSPinned</c> compares it.</summary>
/// <remarks>
/// A pinned client (<see cref="TlsClientTrust.Pinned"/>) accepts exactly the certificate with its pin and skips chain and
/// name checks on purpose, which is what lets a self-signed server certificate work (docs/adr/0009-tls-pinning.md).
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
}

using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Registry.Server.Registry;

/// <summary>The address <c>register</c> records for a node, from its <c>listen_addr</c> and the TCP peer (§3.1, [N] rules).</summary>
internal static class ObservedAddress
{
    /// <summary>
    /// Empty <paramref name="listenAddr"/> → the peer's ip:port; unparsable → verbatim; a host that is empty, unspecified,
    /// private, loopback or link-local → the peer's IP with the client's port; anything else → verbatim.
    /// </summary>
    public static string Derive(string listenAddr, IPEndPoint peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        var peerIp = peer.Address.IsIPv4MappedToIPv6 ? peer.Address.MapToIPv4() : peer.Address;
        if (string.IsNullOrEmpty(listenAddr))
        {
            return Join(peerIp, peer.Port.ToString(CultureInfo.InvariantCulture));
        }

        if (!TrySplitHostPort(listenAddr, out var host, out var port))
        {
            return listenAddr;
        }

        if (host.Length == 0)
        {
            return Join(peerIp, port);
        }

        // A DNS name is not an address we can judge: keep it as the client said.
        return IPAddress.TryParse(host, out var ip) && IsNotRoutable(ip) ? Join(peerIp, port) : listenAddr;
    }

    /// <summary>Splits <c>host:port</c> or <c>[v6]:port</c>; an unbracketed host with a colon is malformed (as Go's SplitHostPort says).</summary>
    internal static bool TrySplitHostPort(string text, out string host, out string port)
    {
        host = port = string.Empty;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= text.Length || text[close + 1] != ':')
            {
                return false;
            }

            host = text[1..close];
            port = text[(close + 2)..];
            return !port.Contains(':', StringComparison.Ordinal);
        }

        var colon = text.LastIndexOf(':');
        if (colon < 0 || text.IndexOf(':', StringComparison.Ordinal) != colon)
        {
            return false;
        }

        host = text[..colon];
        port = text[(colon + 1)..];
        return true;
    }

    private static bool IsNotRoutable(IPAddress ip)
    {
        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
        }

        if (IPAddress.Any.Equals(ip) || IPAddress.IPv6Any.Equals(ip) || IPAddress.IsLoopback(ip))
        {
            return true;
        }

        if (ip.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> b = stackalloc byte[4];
            ip.TryWriteBytes(b, out _);
            return b[0] == 10
                || (b[0] == 172 && (b[1] & 0xF0) == 16)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 169 && b[1] == 254);
        }

        // IPv6: link-local fe80::/10 and unique-local fc00::/7 (Go's IsPrivate).
        Span<byte> v6 = stackalloc byte[16];
        ip.TryWriteBytes(v6, out _);
        return ip.IsIPv6LinkLocal || (v6[0] & 0xFE) == 0xFC;
    }

    private static string Join(IPAddress ip, string port) =>
        ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ip}]:{port}" : $"{ip}:{port}";
}

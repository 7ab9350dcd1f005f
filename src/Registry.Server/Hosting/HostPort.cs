using System.Globalization;
using System.Net;

namespace Registry.Server.Hosting;

/// <summary>Parses the HOST:PORT text of options and flags (<c>--standby-of</c>, <c>loadgen --server</c>); IPv6 hosts may be bracketed.</summary>
public static class HostPort
{
    /// <summary>An <see cref="IPEndPoint"/> for an address, a <see cref="DnsEndPoint"/> for a name; false when the text is not HOST:PORT.</summary>
    public static bool TryParse(string? text, out EndPoint endPoint)
    {
        endPoint = new IPEndPoint(IPAddress.Loopback, 0);
        var colon = text?.LastIndexOf(':') ?? -1;
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > IPEndPoint.MaxPort)
        {
            return false;
        }

        var host = text![..colon].Trim('[', ']');
        endPoint = IPAddress.TryParse(host, out var address) ? new IPEndPoint(address, port) : new DnsEndPoint(host, port);
        return true;
    }

    /// <summary>True when <paramref name="text"/> is an address other machines can be told to dial: HOST:PORT with a port from 1, printable ASCII without spaces, at most 262 characters (a 253-character name, brackets, colon, port).</summary>
    public static bool IsAdvertisable(string? text) =>
        text is { Length: > 0 and <= 262 } && text.All(c => c is > ' ' and < (char)0x7F)
        && TryParse(text, out var endPoint) && endPoint switch
        {
            IPEndPoint ip => ip.Port > 0,
            DnsEndPoint dns => dns.Port > 0,
            _ => false,
        };
}

using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Registry.Persistence.Tests;

/// <summary>Ports for servers that tests start on 127.0.0.1 (linked into the server and CLI test projects).</summary>
/// <remarks>
/// A port is handed to a child process, which binds it a moment later. A port the kernel hands out for "port 0" comes
/// from its ephemeral range, from which every outgoing connection of the test processes running in parallel also takes
/// its local port, so one of those could take it in that moment and the child's start fails. Ports are therefore drawn
/// from below that range (where no connection is ever given one), at random, never twice in one process, and checked
/// free by binding; only when the range leaves no room below it does this fall back to port 0.
/// </remarks>
public static class LoopbackPort
{
    private const int Lowest = 10_000;
    private static readonly HashSet<int> s_handedOut = [];
    private static readonly int s_belowEphemeral = FirstEphemeralPort();

    /// <summary>A port on 127.0.0.1 that nothing listens on now and that no outgoing connection will be given.</summary>
    public static int Free()
    {
        for (var attempt = 0; s_belowEphemeral - Lowest >= 1_000 && attempt < 100; attempt++)
        {
            var port = Random.Shared.Next(Lowest, s_belowEphemeral);
            lock (s_handedOut)
            {
                if (!s_handedOut.Add(port))
                {
                    continue;
                }
            }

            try
            {
                using var probe = new TcpListener(IPAddress.Loopback, port);
                probe.Start();
                return port;
            }
            catch (SocketException)
            {
                // Some other process's port: draw again.
            }
        }

        using var fallback = new TcpListener(IPAddress.Loopback, 0);
        fallback.Start();
        return ((IPEndPoint)fallback.LocalEndpoint).Port;
    }

    private static int FirstEphemeralPort()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[0], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            // Not Linux, or not readable: the IANA dynamic range starts at 49152.
            return 49_152;
        }
    }
}

using System.Net;
using System.Net.Sockets;

namespace Registry.Persistence.Tests;

/// <summary>Ports for servers that tests start on 127.0.0.1 (linked into the server and CLI test projects).</summary>
public static class LoopbackPort
{
    /// <summary>A port the kernel just handed out on 127.0.0.1 and that is free again.</summary>
    public static int Free()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}

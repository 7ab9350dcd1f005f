using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Registry.Persistence.Tests;

public sealed class LoopbackPortTests
{
    [Fact]
    public void Free_HandsOutDistinctBindablePortsThatNoOutgoingConnectionIsGiven()
    {
        var firstEphemeral = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t', ' ')[0], CultureInfo.InvariantCulture);

        var ports = Enumerable.Range(0, 50).Select(_ => LoopbackPort.Free()).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
        Assert.All(ports, port => Assert.InRange(port, 1024, firstEphemeral - 1));
        foreach (var port in ports)
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
        }
    }
}

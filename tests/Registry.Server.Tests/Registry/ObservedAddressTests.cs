using System.Net;
using Registry.Server.Registry;

namespace Registry.Server.Tests.Registry;

/// <summary>The [N] rules for the address <c>register</c> records (§3.1).</summary>
public sealed class ObservedAddressTests
{
    private static readonly IPEndPoint Peer = new(IPAddress.Parse("198.51.100.9"), 51234);

    [Theory]
    [InlineData("", "198.51.100.9:51234")]
    [InlineData("not-an-address", "not-an-address")]
    [InlineData(":4000", "198.51.100.9:4000")]
    [InlineData("0.0.0.0:4000", "198.51.100.9:4000")]
    [InlineData("[::]:4000", "198.51.100.9:4000")]
    [InlineData("10.1.2.3:4000", "198.51.100.9:4000")]
    [InlineData("172.20.0.1:4000", "198.51.100.9:4000")]
    [InlineData("192.168.1.1:4000", "198.51.100.9:4000")]
    [InlineData("127.0.0.1:4000", "198.51.100.9:4000")]
    [InlineData("169.254.1.1:4000", "198.51.100.9:4000")]
    [InlineData("[fe80::1]:4000", "198.51.100.9:4000")]
    [InlineData("172.32.0.1:4000", "172.32.0.1:4000")]
    [InlineData("203.0.113.5:4000", "203.0.113.5:4000")]
    [InlineData("node.example.com:4000", "node.example.com:4000")]
    [InlineData("[2001:db8::1]:4000", "[2001:db8::1]:4000")]
    [InlineData("2001:db8::1", "2001:db8::1")]
    public void Derive_FollowsTheNewestRules(string listenAddr, string expected) =>
        Assert.Equal(expected, ObservedAddress.Derive(listenAddr, Peer));

    [Fact]
    public void Derive_MappedV4Peer_IsWrittenAsV4()
    {
        var peer = new IPEndPoint(IPAddress.Parse("::ffff:198.51.100.9"), 7);
        Assert.Equal("198.51.100.9:4000", ObservedAddress.Derive("127.0.0.1:4000", peer));
    }
}

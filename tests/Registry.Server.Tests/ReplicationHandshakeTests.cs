using System.Text;
using System.Text.Json;
using Registry.Server.Dispatch;

namespace Registry.Server.Tests;

public sealed class ReplicationHandshakeTests
{
    [Fact]
    public async Task Subscribe_NoTokenConfigured_NotConfiguredThenClose()
    {
        var ct = Timeouts.Bounded();
        var source = new RecordingReplicationSource();
        await using var server = TestServer.Start(replication: source);
        using var client = await server.ConnectAsync(ct);

        await client.SendAsync("{\"type\":\"subscribe_replication\",\"token\":\"x\"}", ct);

        Assert.Equal("{\"error\":\"replication not configured\",\"type\":\"error\"}", await client.ReadAsync(ct));
        Assert.Null(await client.ReadAsync(ct));
        Assert.Equal(0, source.Served);
    }

    [Theory]
    [InlineData("{\"type\":\"subscribe_replication\",\"token\":\"wrong\"}")]
    [InlineData("{\"type\":\"subscribe_replication\",\"token\":\"s3cret-\"}")]
    [InlineData("{\"type\":\"subscribe_replication\"}")]
    [InlineData("{\"type\":\"subscribe_replication\",\"token\":5}")]
    public async Task Subscribe_WrongToken_InvalidTokenThenClose(string request)
    {
        var ct = Timeouts.Bounded();
        var source = new RecordingReplicationSource();
        await using var server = TestServer.Start(replication: source, configure: o => o with { ReplicationToken = () => "s3cret" });
        using var client = await server.ConnectAsync(ct);

        await client.SendAsync(request, ct);

        Assert.Equal("{\"error\":\"invalid replication token\",\"type\":\"error\"}", await client.ReadAsync(ct));
        Assert.Null(await client.ReadAsync(ct));
        Assert.Equal(0, source.Served);
    }

    [Fact]
    public async Task Subscribe_RightToken_HandsConnectionToSource()
    {
        var ct = Timeouts.Bounded();
        var source = new RecordingReplicationSource();
        await using var server = TestServer.Start(replication: source, configure: o => o with { ReplicationToken = () => "s3cret" });
        using var client = await server.ConnectAsync(ct);

        await client.SendAsync("{\"type\":\"subscribe_replication\",\"token\":\"s3cret\"}", ct);

        var first = JsonDocument.Parse((await client.ReadAsync(ct))!).RootElement;
        Assert.Equal("replication_snapshot", first.GetProperty("type").GetString());
        Assert.Equal("{\"type\":\"heartbeat\"}", await client.ReadAsync(ct));
        Assert.Null(await client.ReadAsync(ct));
        Assert.Equal(1, source.Served);
    }

    [Fact]
    public async Task Subscribe_OnStandby_StillServedBeforeGate()
    {
        var ct = Timeouts.Bounded();
        var source = new RecordingReplicationSource();
        await using var server = TestServer.Start(replication: source, isStandby: () => true, configure: o => o with { ReplicationToken = () => "t" });
        using var client = await server.ConnectAsync(ct);

        await client.SendAsync("{\"type\":\"subscribe_replication\",\"token\":\"t\"}", ct);

        Assert.NotNull(await client.ReadAsync(ct));
        Assert.Equal(1, source.Served);
    }

    [Fact]
    public void ConstantTimeEquals_ComparesWholeValue()
    {
        Assert.True(ReplicationHandshake.ConstantTimeEquals("abc", "abc"));
        Assert.False(ReplicationHandshake.ConstantTimeEquals("abd", "abc"));
        Assert.False(ReplicationHandshake.ConstantTimeEquals("ab", "abc"));
        Assert.False(ReplicationHandshake.ConstantTimeEquals(string.Empty, "abc"));
    }

    /// <summary>Test double: sends a snapshot and a heartbeat, then ends the subscription.</summary>
    private sealed class RecordingReplicationSource : IReplicationSource
    {
        private int _served;

        public int Served => Volatile.Read(ref _served);

        public async Task ServeAsync(ReplicationSubscriber subscriber, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _served);
            await subscriber.SendAsync(Encoding.UTF8.GetBytes("{\"snapshot\":{},\"type\":\"replication_snapshot\"}"), cancellationToken);
            await subscriber.SendAsync(Encoding.UTF8.GetBytes("{\"type\":\"heartbeat\"}"), cancellationToken);
        }
    }
}

using Registry.Persistence.Tests;

namespace Registry.Server.Tests.Registry;

/// <summary>The opt-in helpers wired into the handlers: heartbeat verify-skip and the per-IP buckets (all off by default).</summary>
public sealed class OptInLimitsTests
{
    [Fact]
    public async Task HeartbeatVerifySkip_Enabled_AcceptsUnsignedWithinWindow_UntilKeyRotates()
    {
        var ct = Timeouts.Bounded();
        using var dir = new TempDirectory();
        await using var host = await RegistryTestHost.StartAsync(dir.Path, ct, settings: new Dictionary<string, string?> { ["Registry:HeartbeatVerifySkip"] = "00:02:00" });
        using var client = await host.ConnectAsync(ct);
        using var key = new NodeKey();
        using var next = new NodeKey();
        var id = await client.RegisterAsync(key, ct);

        Assert.Equal("signature required for authenticated node", await client.ErrorAsync(new { type = "heartbeat", node_id = id }, ct));
        await client.OkAsync(new { type = "heartbeat", node_id = id, signature = key.Sign($"heartbeat:{id}") }, ct);
        await client.OkAsync(new { type = "heartbeat", node_id = id }, ct);

        await client.OkAsync(new { type = "rotate_key", node_id = id, new_public_key = next.PublicKey, signature = key.Sign($"rotate:{id}:{next.PublicKey}") }, ct);
        Assert.Equal("signature required for authenticated node", await client.ErrorAsync(new { type = "heartbeat", node_id = id }, ct));
    }

    [Fact]
    public async Task PerIpBuckets_Enabled_RefuseWithRateLimitedText()
    {
        var ct = Timeouts.Bounded();
        using var dir = new TempDirectory();
        await using var host = await RegistryTestHost.StartAsync(dir.Path, ct, settings: new Dictionary<string, string?>
        {
            ["Registry:RegistrationsPerIpPerMinute"] = "1",
            ["Registry:QueriesPerIpPerMinute"] = "2",
        });
        using var client = await host.ConnectAsync(ct);
        using var a = new NodeKey();
        using var b = new NodeKey();
        var id = await client.RegisterAsync(a, ct);

        Assert.Equal("rate limited: too many registrations from 127.0.0.1", await client.ErrorAsync(new { type = "register", public_key = b.PublicKey }, ct));
        await client.OkAsync(new { type = "lookup", node_id = id }, ct);
        await client.OkAsync(new { type = "lookup", node_id = id }, ct);
        Assert.Equal("rate limited: too many queries from 127.0.0.1", await client.ErrorAsync(new { type = "lookup", node_id = id }, ct));
    }
}

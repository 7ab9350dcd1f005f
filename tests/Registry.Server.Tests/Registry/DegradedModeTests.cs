using Microsoft.Extensions.DependencyInjection;
using Registry.Persistence.Tests;
using Registry.Server.Registry;

namespace Registry.Server.Tests.Registry;

/// <summary>A standby refuses writes but serves reads and heartbeats; a full log gets one snapshot and one retry, and a refusal changes nothing.</summary>
public sealed class DegradedModeTests
{
    [Fact]
    public async Task Standby_RefusesWrites_ServesReadsAndHeartbeats_WithoutWritingTheLog()
    {
        var ct = Timeouts.Bounded(20);
        using var dir = new TempDirectory();
        using var key = new NodeKey();
        uint id;
        await using (var primary = await RegistryTestHost.StartAsync(dir.Path, ct))
        {
            using var client = await primary.ConnectAsync(ct);
            id = await client.RegisterAsync(key, ct);
        }

        await using var standby = await RegistryTestHost.StartAsync(dir.Path, ct, settings: new Dictionary<string, string?> { ["Registry:StandbyOf"] = "127.0.0.1:1" });
        using var reader = await standby.ConnectAsync(ct);
        var log = standby.Services.GetRequiredService<StoreBackend>().Registry!.Store.Log;
        var appended = log.AppendedSequence;

        Assert.Equal("request failed", await reader.ErrorAsync(new { type = "set_tags", node_id = id, tags = new[] { "x" }, signature = key.Sign($"set_tags:{id}") }, ct));
        using var other = new NodeKey();
        Assert.Equal("request failed", await reader.ErrorAsync(new { type = "register", public_key = other.PublicKey }, ct));
        Assert.Equal("request failed", await reader.ErrorAsync(new { type = "poll_handshakes", node_id = id, signature = key.Sign($"poll_handshakes:{id}") }, ct));
        await reader.OkAsync(new { type = "lookup", node_id = id }, ct);
        await reader.OkAsync(new { type = "heartbeat", node_id = id, signature = key.Sign($"heartbeat:{id}") }, ct);
        Assert.Equal("signature verification failed", await reader.ErrorAsync(new { type = "heartbeat", node_id = id, signature = other.Sign($"heartbeat:{id}") }, ct));

        Assert.Equal(appended, log.AppendedSequence);
    }

    [Fact]
    public async Task FullLog_SnapshotAndOneRetry_ThenRefusalChangesNothing()
    {
        var ct = Timeouts.Bounded(20);
        using var dir = new TempDirectory();
        await using var host = await RegistryTestHost.StartAsync(dir.Path, ct);
        using var client = await host.ConnectAsync(ct);
        using var first = new NodeKey();
        using var second = new NodeKey();
        Assert.Equal(1u, await client.RegisterAsync(first, ct));
        var store = host.Services.GetRequiredService<StoreBackend>().Registry!.Store;
        var saves = store.Statistics.Saves;

        store.Log.SetSizeForTesting(long.MaxValue / 2);
        Assert.Equal("request failed", await client.ErrorAsync(new { type = "register", public_key = second.PublicKey }, ct));

        Assert.Equal(saves + 1, store.Statistics.Saves);
        store.Log.SetSizeForTesting(0);
        Assert.Equal(2u, await client.RegisterAsync(second, ct));
    }
}

using Microsoft.Extensions.Time.Testing;
using Registry.Persistence.Tests;
using Registry.Server.Registry;

namespace Registry.Server.Tests.Registry;

/// <summary>The list_nodes reply cache: exact by default (state version), bounded staleness when configured.</summary>
public sealed class ListNodesCacheTests
{
    private static readonly ReadOnlyMemory<byte> BodyA = "{\"a\":1}"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> BodyB = "{\"b\":2}"u8.ToArray();

    [Fact]
    public void Exact_ServesOnlyAtTheVersionItWasBuiltFrom()
    {
        var time = new FakeTimeProvider();
        var cache = new ListNodesCache(time, TimeSpan.Zero);

        cache.Store(3, version: 10, BodyA);

        Assert.True(cache.TryGet(3, 10, out var body));
        Assert.Equal(BodyA.ToArray(), body.ToArray());
        Assert.False(cache.TryGet(3, 11, out _));
        Assert.False(cache.TryGet(4, 10, out _));
        time.Advance(TimeSpan.FromHours(1));
        Assert.True(cache.TryGet(3, 10, out _));
    }

    [Fact]
    public void Staleness_ServesAnyVersionWithinTheWindow_ThenRefuses()
    {
        var time = new FakeTimeProvider();
        var cache = new ListNodesCache(time, TimeSpan.FromSeconds(1));
        cache.Store(3, version: 10, BodyA);

        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.True(cache.TryGet(3, 12, out _));
        time.Advance(TimeSpan.FromMilliseconds(2));
        Assert.False(cache.TryGet(3, 12, out _));
        Assert.True(cache.TryGet(3, 10, out _));
    }

    [Fact]
    public void Store_AnOlderBuildFinishingLate_DoesNotReplaceANewerOne()
    {
        var cache = new ListNodesCache(new FakeTimeProvider(), TimeSpan.Zero);

        cache.Store(3, version: 12, BodyB);
        cache.Store(3, version: 10, BodyA);

        Assert.True(cache.TryGet(3, 12, out var body));
        Assert.Equal(BodyB.ToArray(), body.ToArray());
        Assert.False(cache.TryGet(3, 10, out _));
    }

    [Fact]
    public void Store_BeyondCapacity_StartsOver()
    {
        var cache = new ListNodesCache(new FakeTimeProvider(), TimeSpan.Zero);
        for (ushort id = 0; id < ListNodesCache.Capacity; id++)
        {
            cache.Store(id, 1, BodyA);
        }

        cache.Store(ListNodesCache.Capacity, 1, BodyB);

        Assert.False(cache.TryGet(0, 1, out _));
        Assert.True(cache.TryGet(ListNodesCache.Capacity, 1, out _));
    }

    [Theory]
    [InlineData(null, 2)]
    [InlineData("00:00:01", 1)]
    public async Task Server_JoinAfterAList_ShowsAtOnceWhenExact_AfterTheWindowWhenStale(string? staleness, int membersRightAfterJoin)
    {
        var ct = Timeouts.Bounded();
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var settings = new Dictionary<string, string?> { ["Registry:ListNodesMaxStaleness"] = staleness };
        await using var host = await RegistryTestHost.StartAsync(dir.Path, ct, time: time, settings: settings);
        using var client = await host.ConnectAsync(ct);
        using var owner = new NodeKey();
        using var member = new NodeKey();
        var ownerId = await client.RegisterAsync(owner, ct);
        var memberId = await client.RegisterAsync(member, ct);
        var netId = (await client.OkAsync(new { type = "create_network", node_id = ownerId, name = "lab", admin_token = RegistryTestHost.AdminToken }, ct)).GetProperty("network_id").GetUInt16();
        Assert.Equal(1, await CountAsync());

        await client.OkAsync(new { type = "join_network", node_id = memberId, network_id = netId, signature = member.Sign($"join_network:{memberId}:{netId}") }, ct);

        Assert.Equal(membersRightAfterJoin, await CountAsync());
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(2, await CountAsync());

        async Task<int> CountAsync() => (await client.OkAsync(new { type = "list_nodes", network_id = netId }, ct)).GetProperty("nodes").GetArrayLength();
    }
}

using Microsoft.Extensions.Time.Testing;
using Registry.Persistence.Tests;
using Registry.Server.Protocol;

namespace Registry.Server.Tests.Registry;

/// <summary>punch, beacon_register, beacon_list (§3.6) and the beacon address of relay-only nodes (§3.2), on a fake clock.</summary>
public sealed class RelayHandlerTests : StoreHostTestBase
{
    private const string Beacon = "beacon.example.net:9001";

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private protected override TimeProvider? Time => _time;

    private protected override IReadOnlyDictionary<string, string?>? Settings =>
        new Dictionary<string, string?>(NextTierSetup.FakeClockSettings) { ["Registry:BeaconAddress"] = Beacon };

    private static async Task<uint> RegisterAtAsync(RegistryClient client, NodeKey key, string listenAddr, bool relayOnly, CancellationToken ct) =>
        (await client.OkAsync(new { type = "register", public_key = key.PublicKey, listen_addr = listenAddr, relay_only = relayOnly }, ct)).GetProperty("node_id").GetUInt32();

    [Fact]
    public async Task Punch_ByAParticipant_BothRealAddressesEvenOfPrivateNodes()
    {
        var ct = Timeouts.Bounded();
        using var client = await Host.ConnectAsync(ct);
        using var a = new NodeKey();
        using var b = new NodeKey();
        using var c = new NodeKey();
        var idA = await RegisterAtAsync(client, a, "198.51.100.1:5000", relayOnly: false, ct);
        var idB = await RegisterAtAsync(client, b, "198.51.100.2:6000", relayOnly: true, ct);
        var idC = await RegisterAtAsync(client, c, "198.51.100.3:7000", relayOnly: false, ct);

        var byA = await client.OkAsync(new { type = "punch", requester_id = idA, node_a = idA, node_b = idB, signature = a.Sign($"punch:{idA}:{idB}") }, ct);
        var byB = await client.OkAsync(new { type = "punch", requester_id = idB, node_a = idA, node_b = idB, signature = b.Sign($"punch:{idA}:{idB}") }, ct);

        Assert.Equal($"{{\"node_a\":{idA},\"node_a_addr\":\"198.51.100.1:5000\",\"node_b\":{idB},\"node_b_addr\":\"198.51.100.2:6000\",\"type\":\"punch_ok\"}}", byA.ToString());
        Assert.Equal(byA.ToString(), byB.ToString());

        // "punch denied: …" is not let through by the sanitizer (§1.2), like "resolve denied: …".
        Assert.Equal("request failed", await client.ErrorAsync(new { type = "punch", requester_id = idC, node_a = idA, node_b = idB, signature = c.Sign($"punch:{idA}:{idB}") }, ct));
        Assert.Equal("signature verification failed", await client.ErrorAsync(new { type = "punch", requester_id = idA, node_a = idA, node_b = idB, signature = b.Sign($"punch:{idA}:{idB}") }, ct));
        Assert.Equal("signature verification failed", await client.ErrorAsync(new { type = "punch", requester_id = idA, node_a = idA, node_b = idB, signature = a.Sign($"punch:{idB}:{idA}") }, ct));
        Assert.Equal("signature required for authenticated node", await client.ErrorAsync(new { type = "punch", requester_id = idA, node_a = idA, node_b = idB }, ct));
        Assert.Equal("node 999: node not found", await client.ErrorAsync(new { type = "punch", requester_id = idA, node_a = idA, node_b = 999, signature = a.Sign($"punch:{idA}:999") }, ct));
        Assert.Equal("node 998: node not found", await client.ErrorAsync(new { type = "punch", requester_id = 998, node_a = 998, node_b = idA, signature = a.Sign($"punch:998:{idA}") }, ct));
    }

    [Fact]
    public async Task RelayOnlyNode_LookupAndResolve_GiveTheConfiguredBeacon()
    {
        var ct = Timeouts.Bounded();
        using var client = await Host.ConnectAsync(ct);
        using var relayed = new NodeKey();
        using var direct = new NodeKey();
        var idR = await RegisterAtAsync(client, relayed, "198.51.100.2:6000", relayOnly: true, ct);
        var idD = await RegisterAtAsync(client, direct, "198.51.100.1:5000", relayOnly: false, ct);
        await client.OkAsync(new { type = "set_visibility", node_id = idR, @public = true, signature = relayed.Sign($"set_visibility:{idR}") }, ct);
        await client.OkAsync(new { type = "set_visibility", node_id = idD, @public = true, signature = direct.Sign($"set_visibility:{idD}") }, ct);

        var lookupR = await client.OkAsync(new { type = "lookup", node_id = idR }, ct);
        var resolveR = await client.OkAsync(new { type = "resolve", node_id = idR, requester_id = idD, signature = direct.Sign($"resolve:{idD}:{idR}") }, ct);
        var lookupD = await client.OkAsync(new { type = "lookup", node_id = idD }, ct);

        Assert.Equal(Beacon, lookupR.GetProperty("real_addr").GetString());
        Assert.Equal(Beacon, lookupR.GetProperty("endpoint").GetString());
        Assert.True(lookupR.GetProperty("relay_only").GetBoolean());
        Assert.Equal(Beacon, resolveR.GetProperty("real_addr").GetString());
        Assert.True(resolveR.GetProperty("relay_only").GetBoolean());
        Assert.Equal("198.51.100.1:5000", lookupD.GetProperty("real_addr").GetString());
        Assert.False(lookupD.TryGetProperty("relay_only", out _));
    }

    [Fact]
    public async Task RelayOnlyNode_BinaryLookupAndResolve_GiveTheConfiguredBeacon()
    {
        var ct = Timeouts.Bounded();
        using var client = await BinaryClient.ConnectAsync(Host.EndPoint, ct);
        using var relayed = new NodeKey();
        using var requester = new NodeKey();
        var idR = (await client.JsonAsync(new { type = "register", public_key = relayed.PublicKey, listen_addr = "198.51.100.2:6000", relay_only = true }, ct)).GetProperty("node_id").GetUInt32();
        var idQ = await client.RegisterAsync(requester, ct);
        await client.JsonAsync(new { type = "set_visibility", node_id = idR, @public = true, signature = relayed.Sign($"set_visibility:{idR}") }, ct);

        var lookup = new PayloadReader((await client.RequestAsync(BinaryWire.Lookup, BinaryClient.U32(idR), ct)).Payload);
        var resolve = new PayloadReader((await client.RequestAsync(BinaryWire.Resolve, BinaryClient.Resolve(idR, idQ, requester), ct)).Payload);

        Assert.Equal(idR, lookup.U32());
        Assert.Equal(1, lookup.U8());
        lookup.U32();
        lookup.List16(() => lookup.U16());
        lookup.Bytes(lookup.U8());
        lookup.String(lookup.U8());
        lookup.List8(() => lookup.String(lookup.U8()));
        Assert.Equal(Beacon, lookup.String(lookup.U16()));
        Assert.Equal(idR, resolve.U32());
        Assert.Equal(Beacon, resolve.String(resolve.U16()));
        Assert.Empty(resolve.List16(() => resolve.String(resolve.U16())));
    }

    [Fact]
    public async Task Beacons_AdminRegistersThemAndTheyExpireAMinuteAfterTheirLastAnnouncement()
    {
        var ct = Timeouts.Bounded();
        using var client = await Host.ConnectAsync(ct);
        const string Admin = RegistryTestHost.AdminToken;

        Assert.Equal("{\"beacons\":[],\"type\":\"beacon_list_ok\"}", (await client.OkAsync(new { type = "beacon_list" }, ct)).ToString());
        Assert.Equal("invalid admin token", await client.ErrorAsync(new { type = "beacon_register", beacon_id = 7, addr = "192.0.2.7:9001", admin_token = "wrong" }, ct));
        Assert.Equal("invalid admin token", await client.ErrorAsync(new { type = "beacon_register", beacon_id = 7, addr = "192.0.2.7:9001" }, ct));
        Assert.Equal("beacon_id required", await client.ErrorAsync(new { type = "beacon_register", beacon_id = 0, addr = "192.0.2.7:9001", admin_token = Admin }, ct));
        foreach (var bad in new[] { "", "no-port", "192.0.2.7:0", "192.0.2.7:70000", "has space:80" })
        {
            Assert.StartsWith("invalid beacon addr", await client.ErrorAsync(new { type = "beacon_register", beacon_id = 7, addr = bad, admin_token = Admin }, ct), StringComparison.Ordinal);
        }

        Assert.Equal("{\"beacons\":[],\"type\":\"beacon_list_ok\"}", (await client.OkAsync(new { type = "beacon_list" }, ct)).ToString());
        Assert.Equal(9u, (await client.OkAsync(new { type = "beacon_register", beacon_id = 9, addr = "192.0.2.9:9001", admin_token = Admin }, ct)).GetProperty("beacon_id").GetUInt32());
        await client.OkAsync(new { type = "beacon_register", beacon_id = 7, addr = "192.0.2.7:9001", admin_token = Admin }, ct);
        Assert.Equal("{\"beacons\":[{\"id\":7,\"addr\":\"192.0.2.7:9001\"},{\"id\":9,\"addr\":\"192.0.2.9:9001\"}],\"type\":\"beacon_list_ok\"}", (await client.OkAsync(new { type = "beacon_list" }, ct)).ToString());

        // Beacon 9 announces again (from a new address) 40 s later; a minute after the first announcements only it is left.
        _time.Advance(TimeSpan.FromSeconds(40));
        await client.OkAsync(new { type = "beacon_register", beacon_id = 9, addr = "192.0.2.99:9001", admin_token = Admin }, ct);
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal("{\"beacons\":[{\"id\":9,\"addr\":\"192.0.2.99:9001\"}],\"type\":\"beacon_list_ok\"}", (await client.OkAsync(new { type = "beacon_list" }, ct)).ToString());
        _time.Advance(TimeSpan.FromSeconds(40));
        Assert.Equal("{\"beacons\":[],\"type\":\"beacon_list_ok\"}", (await client.OkAsync(new { type = "beacon_list" }, ct)).ToString());
    }

    [Theory]
    [InlineData("no-port")]
    [InlineData("relay:0")]
    [InlineData("relay host:9001")]
    public async Task BeaconAddress_NotHostPort_RefusedAtStart(string value)
    {
        var ex = await RegistryTestHost.RefusedAtStartAsync("Registry:BeaconAddress", value, Timeouts.Bounded(30));

        Assert.Contains("Registry:BeaconAddress", ex.Message, StringComparison.Ordinal);
    }
}

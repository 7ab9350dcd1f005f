using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Registry.Server.Protocol;

namespace Registry.Server.Tests.Registry;

/// <summary>The binary protocol (§1.3) against a real Store-backed server on 127.0.0.1: hot-path types, JSON passthrough, errors.</summary>
public sealed class BinaryProtocolTests : StoreHostTestBase
{
    [Fact]
    public async Task Heartbeat_SignedRaw_RepliesTimeAndFlags_AndErrorsAreUnsanitizedFrames()
    {
        var ct = Timeouts.Bounded();
        using var client = await BinaryClient.ConnectAsync(Host.EndPoint, ct);
        using var key = new NodeKey();
        using var other = new NodeKey();
        var id = await client.RegisterAsync(key, ct);

        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var ok = await client.RequestAsync(BinaryWire.Heartbeat, BinaryClient.Heartbeat(id, key), ct);
        var after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        Assert.Equal(0x81, ok.Type);
        Assert.Equal(9, ok.Payload.Length);
        Assert.InRange(BinaryPrimitives.ReadInt64BigEndian(ok.Payload), before, after);
        Assert.Equal(0, ok.Payload[8]);
        Assert.Equal("signature verification failed", await client.ErrorAsync(BinaryWire.Heartbeat, BinaryClient.Heartbeat(id, other), ct));
        Assert.Equal("node 99: node not found", await client.ErrorAsync(BinaryWire.Heartbeat, BinaryClient.Heartbeat(99, key), ct));
        Assert.Equal("invalid heartbeat payload: 4 bytes, want 68", await client.ErrorAsync(BinaryWire.Heartbeat, BinaryClient.U32(id), ct));

        // The connection survived every refusal.
        Assert.Equal(0x81, (await client.RequestAsync(BinaryWire.Heartbeat, BinaryClient.Heartbeat(id, key), ct)).Type);
    }

    [Fact]
    public async Task Lookup_CarriesWhatJsonLookupCarries()
    {
        var ct = Timeouts.Bounded();
        using var client = await BinaryClient.ConnectAsync(Host.EndPoint, ct);
        using var key = new NodeKey();
        var id = await client.RegisterAsync(key, ct, hostname: "alpha");
        await client.JsonAsync(new { type = "set_visibility", node_id = id, @public = true, signature = key.Sign($"set_visibility:{id}") }, ct);
        await client.JsonAsync(new { type = "set_tags", node_id = id, tags = new[] { "gpu", "eu" }, signature = key.Sign($"set_tags:{id}") }, ct);
        await client.JsonAsync(new { type = "set_task_exec", node_id = id, enabled = true, signature = key.Sign($"set_task_exec:{id}") }, ct);
        var json = await client.JsonAsync(new { type = "lookup", node_id = id }, ct);

        var reply = await client.RequestAsync(BinaryWire.Lookup, BinaryClient.U32(id), ct);

        Assert.Equal(0x82, reply.Type);
        var r = new PayloadReader(reply.Payload);
        Assert.Equal(id, r.U32());
        Assert.Equal(0b11, r.U8());
        Assert.Equal(0u, r.U32());
        Assert.Equal(json.GetProperty("networks").EnumerateArray().Select(n => n.GetUInt16()), r.List16(() => r.U16()));
        Assert.Equal(json.GetProperty("public_key").GetString(), Convert.ToBase64String(r.Bytes(r.U8())));
        Assert.Equal("alpha", r.String(r.U8()));
        Assert.Equal(json.GetProperty("tags").EnumerateArray().Select(t => t.GetString()), r.List8(() => r.String(r.U8())));
        Assert.Equal(json.GetProperty("real_addr").GetString(), r.String(r.U16()));
        Assert.Equal(string.Empty, r.String(r.U8()));
        Assert.True(r.AtEnd);
        Assert.Equal("node 77: node not found", await client.ErrorAsync(BinaryWire.Lookup, BinaryClient.U32(77), ct));
    }

    [Fact]
    public async Task Lookup_PrivateNode_HasNoAddress()
    {
        var ct = Timeouts.Bounded();
        using var client = await BinaryClient.ConnectAsync(Host.EndPoint, ct);
        using var key = new NodeKey();
        var id = await client.RegisterAsync(key, ct);

        var r = new PayloadReader((await client.RequestAsync(BinaryWire.Lookup, BinaryClient.U32(id), ct)).Payload);

        r.U32();
        Assert.Equal(0, r.U8());
        r.U32();
        r.List16(() => r.U16());
        r.Bytes(r.U8());
        Assert.Equal(string.Empty, r.String(r.U8()));
        Assert.Empty(r.List8(() => r.String(r.U8())));
        Assert.Equal(string.Empty, r.String(r.U16()));
    }

    [Fact]
    public async Task Resolve_SignedByRequester_FollowsTheJsonRules()
    {
        var ct = Timeouts.Bounded();
        using var client = await BinaryClient.ConnectAsync(Host.EndPoint, ct);
        using var requester = new NodeKey();
        using var target = new NodeKey();
        var requesterId = await client.RegisterAsync(requester, ct);
        var targetId = await client.RegisterAsync(target, ct);

        Assert.Equal($"resolve denied: node {targetId} is private (establish mutual trust first)", await client.ErrorAsync(BinaryWire.Resolve, BinaryClient.Resolve(targetId, requesterId, requester), ct));
        Assert.Equal("resolve denied: requester node 50 is not registered", await client.ErrorAsync(BinaryWire.Resolve, BinaryClient.Resolve(targetId, 50, requester), ct));
        Assert.Equal("signature verification failed", await client.ErrorAsync(BinaryWire.Resolve, BinaryClient.Resolve(targetId, requesterId, target), ct));

        await client.JsonAsync(new { type = "report_trust", node_id = targetId, peer_id = requesterId, signature = target.Sign($"report_trust:{targetId}:{requesterId}") }, ct);
        var reply = await client.RequestAsync(BinaryWire.Resolve, BinaryClient.Resolve(targetId, requesterId, requester), ct);

        Assert.Equal(0x83, reply.Type);
        var r = new PayloadReader(reply.Payload);
        Assert.Equal(targetId, r.U32());
        Assert.Equal("203.0.113.7:4000", r.String(r.U16()));
        Assert.Empty(r.List16(() => r.String(r.U16())));
        Assert.Equal(0u, r.U32());
        Assert.True(r.AtEnd);
    }

    [Fact]
    public async Task JsonPassthrough_RepliesInsideJsonFrames_Sanitized_AndRefusesReplication()
    {
        var ct = Timeouts.Bounded();
        using var client = await BinaryClient.ConnectAsync(Host.EndPoint, ct);

        var unknown = await client.JsonAsync(new { type = "no_such_type" }, ct);
        var replication = await client.ErrorAsync(BinaryWire.Json, Encoding.UTF8.GetBytes("{\"type\":\"subscribe_replication\",\"token\":\"x\"}"), ct);
        var networks = await client.JsonAsync(new { type = "list_networks" }, ct);

        Assert.Equal("{\"error\":\"request failed\",\"type\":\"error\"}", unknown.GetRawText());
        Assert.Equal("replication not supported over binary protocol", replication);
        Assert.Equal("list_networks_ok", networks.GetProperty("type").GetString());
    }

    [Fact]
    public async Task UnknownBinaryType_IsAnErrorFrame_AndTheConnectionStaysOpen()
    {
        var ct = Timeouts.Bounded();
        using var client = await BinaryClient.ConnectAsync(Host.EndPoint, ct);

        Assert.Equal("unknown message type 0x42", await client.ErrorAsync(0x42, [], ct));
        Assert.Equal("unknown message type 0x81", await client.ErrorAsync(0x81, [], ct));
        Assert.Equal("list_networks_ok", (await client.JsonAsync(new { type = "list_networks" }, ct)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task OtherVersion_GetsOneErrorFrame_ThenClose()
    {
        var ct = Timeouts.Bounded();
        using var client = await BinaryClient.ConnectAsync(Host.EndPoint, ct, version: 2);

        var reply = await client.ReadFrameAsync(ct);

        Assert.NotNull(reply);
        Assert.Equal(BinaryWire.Error, reply.Value.Type);
        Assert.Equal("unsupported wire version 2", Encoding.UTF8.GetString(reply.Value.Payload.AsSpan(2)));
        Assert.Null(await client.ReadFrameAsync(ct));
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 0 })]
    [InlineData(new byte[] { 0x10, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 0, 0, 0, 3, 0, (byte)'{', (byte)'x' })]
    [InlineData(new byte[] { 0, 0, 0, 3, 0, (byte)'[', (byte)']' })]
    public async Task MalformedFrame_ClosesWithoutReply_AndTheServerKeepsServing(byte[] frame)
    {
        var ct = Timeouts.Bounded();
        using var bad = await BinaryClient.ConnectAsync(Host.EndPoint, ct);
        using var good = await BinaryClient.ConnectAsync(Host.EndPoint, ct);

        await bad.SendRawAsync(frame, ct);

        Assert.Null(await bad.ReadFrameAsync(ct));
        Assert.Equal("list_networks_ok", (await good.JsonAsync(new { type = "list_networks" }, ct)).GetProperty("type").GetString());
    }
}

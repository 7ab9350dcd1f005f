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
        var ok = await client.RequestAsync(BinaryWire.Heartbeat, Heartbeat(id, key), ct);
        var after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        Assert.Equal(0x81, ok.Type);
        Assert.Equal(9, ok.Payload.Length);
        Assert.InRange(BinaryPrimitives.ReadInt64BigEndian(ok.Payload), before, after);
        Assert.Equal(0, ok.Payload[8]);
        Assert.Equal("signature verification failed", await client.ErrorAsync(BinaryWire.Heartbeat, Heartbeat(id, other), ct));
        Assert.Equal("node 99: node not found", await client.ErrorAsync(BinaryWire.Heartbeat, Heartbeat(99, key), ct));
        Assert.Equal("invalid heartbeat payload: 4 bytes, want 68", await client.ErrorAsync(BinaryWire.Heartbeat, U32(id), ct));

        // The connection survived every refusal.
        Assert.Equal(0x81, (await client.RequestAsync(BinaryWire.Heartbeat, Heartbeat(id, key), ct)).Type);
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

        var reply = await client.RequestAsync(BinaryWire.Lookup, U32(id), ct);

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
        Assert.Equal("node 77: node not found", await client.ErrorAsync(BinaryWire.Lookup, U32(77), ct));
    }

    [Fact]
    public async Task Lookup_PrivateNode_HasNoAddress()
    {
        var ct = Timeouts.Bounded();
        using var client = await BinaryClient.ConnectAsync(Host.EndPoint, ct);
        using var key = new NodeKey();
        var id = await client.RegisterAsync(key, ct);

        var r = new PayloadReader((await client.RequestAsync(BinaryWire.Lookup, U32(id), ct)).Payload);

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

        Assert.Equal($"resolve denied: node {targetId} is private (establish mutual trust first)", await client.ErrorAsync(BinaryWire.Resolve, Resolve(targetId, requesterId, requester), ct));
        Assert.Equal("resolve denied: requester node 50 is not registered", await client.ErrorAsync(BinaryWire.Resolve, Resolve(targetId, 50, requester), ct));
        Assert.Equal("signature verification failed", await client.ErrorAsync(BinaryWire.Resolve, Resolve(targetId, requesterId, target), ct));

        await client.JsonAsync(new { type = "report_trust", node_id = targetId, peer_id = requesterId, signature = target.Sign($"report_trust:{targetId}:{requesterId}") }, ct);
        var reply = await client.RequestAsync(BinaryWire.Resolve, Resolve(targetId, requesterId, requester), ct);

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

    private static byte[] U32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] Heartbeat(uint nodeId, NodeKey key) => [.. U32(nodeId), .. Convert.FromBase64String(key.Sign($"heartbeat:{nodeId}"))];

    private static byte[] Resolve(uint nodeId, uint requesterId, NodeKey key) =>
        [.. U32(nodeId), .. U32(requesterId), .. Convert.FromBase64String(key.Sign($"resolve:{requesterId}:{nodeId}"))];

    /// <summary>A binary-protocol client: sends the preamble, then typed frames; JSON requests travel inside 0x00 frames.</summary>
    private sealed class BinaryClient : IDisposable
    {
        private readonly TcpClient _tcp;
        private readonly NetworkStream _stream;

        private BinaryClient(TcpClient tcp)
        {
            _tcp = tcp;
            _stream = tcp.GetStream();
        }

        public static async Task<BinaryClient> ConnectAsync(IPEndPoint endPoint, CancellationToken ct, byte version = BinaryWire.Version)
        {
            var tcp = new TcpClient();
            await tcp.ConnectAsync(endPoint, ct);
            var client = new BinaryClient(tcp);
            await client.SendRawAsync([.. BinaryWire.Magic, version], ct);
            return client;
        }

        public async Task SendRawAsync(byte[] bytes, CancellationToken ct) => await _stream.WriteAsync(bytes, ct);

        public async Task<(byte Type, byte[] Payload)> RequestAsync(byte type, byte[] payload, CancellationToken ct)
        {
            var frame = new byte[5 + payload.Length];
            BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)(1 + payload.Length));
            frame[4] = type;
            payload.CopyTo(frame, 5);
            await SendRawAsync(frame, ct);
            return await ReadFrameAsync(ct) ?? throw new InvalidOperationException("connection closed");
        }

        public async Task<string> ErrorAsync(byte type, byte[] payload, CancellationToken ct)
        {
            var reply = await RequestAsync(type, payload, ct);
            Assert.Equal(BinaryWire.Error, reply.Type);
            Assert.Equal(reply.Payload.Length - 2, BinaryPrimitives.ReadUInt16BigEndian(reply.Payload));
            return Encoding.UTF8.GetString(reply.Payload.AsSpan(2));
        }

        public async Task<JsonElement> JsonAsync(object request, CancellationToken ct)
        {
            var reply = await RequestAsync(BinaryWire.Json, JsonSerializer.SerializeToUtf8Bytes(request), ct);
            Assert.Equal(BinaryWire.Json, reply.Type);
            return JsonDocument.Parse(reply.Payload).RootElement;
        }

        public async Task<uint> RegisterAsync(NodeKey key, CancellationToken ct, string hostname = "") =>
            (await JsonAsync(new { type = "register", public_key = key.PublicKey, hostname, listen_addr = "203.0.113.7:4000" }, ct)).GetProperty("node_id").GetUInt32();

        /// <summary>Reads one frame; null when the server closed the connection.</summary>
        public async Task<(byte Type, byte[] Payload)?> ReadFrameAsync(CancellationToken ct)
        {
            var prefix = new byte[4];
            if (!await ReadExactlyOrEndAsync(prefix, ct))
            {
                return null;
            }

            var body = new byte[BinaryPrimitives.ReadUInt32BigEndian(prefix)];
            return await ReadExactlyOrEndAsync(body, ct) ? (body[0], body[1..]) : null;
        }

        public void Dispose() => _tcp.Dispose();

        private async Task<bool> ReadExactlyOrEndAsync(byte[] buffer, CancellationToken ct)
        {
            try
            {
                await _stream.ReadExactlyAsync(buffer, ct);
                return true;
            }
            catch (Exception ex) when (ex is EndOfStreamException or IOException)
            {
                return false;
            }
        }
    }

    /// <summary>Reads a binary reply's big-endian fields in order.</summary>
    private sealed class PayloadReader(byte[] payload)
    {
        private int _offset;

        public bool AtEnd => _offset == payload.Length;

        public byte U8() => payload[_offset++];

        public ushort U16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));

        public uint U32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));

        public byte[] Bytes(int length) => Take(length).ToArray();

        public string String(int length) => Encoding.UTF8.GetString(Take(length));

        public List<T> List8<T>(Func<T> read) => Repeat(U8(), read);

        public List<T> List16<T>(Func<T> read) => Repeat(U16(), read);

        private static List<T> Repeat<T>(int count, Func<T> read) => [.. Enumerable.Range(0, count).Select(_ => read())];

        private ReadOnlySpan<byte> Take(int length)
        {
            var span = payload.AsSpan(_offset, length);
            _offset += length;
            return span;
        }
    }
}

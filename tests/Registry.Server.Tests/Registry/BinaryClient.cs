using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Registry.Server.Protocol;

namespace Registry.Server.Tests.Registry;

/// <summary>A binary-protocol client: sends the preamble, then typed frames; JSON requests travel inside 0x00 frames.</summary>
internal sealed class BinaryClient : IDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;

    private BinaryClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public static byte[] U32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] Heartbeat(uint nodeId, NodeKey key) => [.. U32(nodeId), .. Convert.FromBase64String(key.Sign($"heartbeat:{nodeId}"))];

    public static byte[] Resolve(uint nodeId, uint requesterId, NodeKey key) =>
        [.. U32(nodeId), .. U32(requesterId), .. Convert.FromBase64String(key.Sign($"resolve:{requesterId}:{nodeId}"))];

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
internal sealed class PayloadReader(byte[] payload)
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

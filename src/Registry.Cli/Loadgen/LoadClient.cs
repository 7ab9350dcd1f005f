using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Registry.Server.Protocol;
using Registry.Server.Security;

namespace Registry.Cli.Loadgen;

/// <summary>What the load generator needs from a reply: whether it has the expected type, the error text otherwise, and <c>node_id</c> if present.</summary>
internal readonly record struct Reply(bool Ok, string Text, uint NodeId);

/// <summary>One connection speaking the registry's framing (4-byte big-endian length + JSON object, or the binary protocol of §1.3), one request at a time.</summary>
/// <remarks>
/// Kept lean on purpose: the load generator shares the machine with the server it measures, so every microsecond it
/// spends per request is taken from the server. Buffers are reused across requests and replies are scanned, not
/// materialised as a document.
/// </remarks>
internal sealed class LoadClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly SslStream? _tls;
    private readonly bool _binary;
    private readonly ArrayBufferWriter<byte> _request = new(512);
    private readonly Utf8JsonWriter _json;
    private byte[] _reply = new byte[64 * 1024];
    private int _replyLength;

    private LoadClient(Socket socket, SslStream? tls, bool binary)
    {
        _socket = socket;
        _tls = tls;
        _binary = binary;
        _json = new Utf8JsonWriter(_request);
    }

    /// <summary>Connects to <paramref name="server"/>; with <paramref name="tls"/> over TLS trusting the server as it says; with <paramref name="binary"/> speaking the binary protocol (JSON requests then travel in 0x00 frames).</summary>
    public static async Task<LoadClient> ConnectAsync(EndPoint server, TlsClientTrust? tls, CancellationToken cancellationToken, bool binary = false)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(server, cancellationToken);
            var stream = tls is null ? null : await tls.AuthenticateAsync(new NetworkStream(socket, ownsSocket: false), server, cancellationToken);
            var client = new LoadClient(socket, stream, binary);
            if (binary)
            {
                await client.SendAllAsync((byte[])[.. BinaryWire.Magic, BinaryWire.Version], cancellationToken);
            }

            return client;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends the object whose members <paramref name="write"/> writes and reads the reply, expecting type <paramref name="expectedType"/>.</summary>
    public async Task<Reply> RequestAsync<TState>(TState state, Action<Utf8JsonWriter, TState> write, string expectedType, CancellationToken cancellationToken)
    {
        _request.ResetWrittenCount();
        _request.Advance(_binary ? 5 : 4);
        _json.Reset(_request);
        _json.WriteStartObject();
        write(_json, state);
        _json.WriteEndObject();
        _json.Flush();
        var frame = System.Runtime.InteropServices.MemoryMarshal.AsMemory(_request.WrittenMemory);
        BinaryPrimitives.WriteUInt32BigEndian(frame.Span, (uint)(frame.Length - 4));
        if (_binary)
        {
            frame.Span[4] = BinaryWire.Json;
        }

        await SendAllAsync(frame, cancellationToken);
        var length = await ReceiveFrameAsync(cancellationToken);
        _replyLength = length;
        var body = _reply.AsSpan(4, length);
        if (_binary)
        {
            return body.Length > 0 && body[0] == BinaryWire.Json ? Scan(body[1..], expectedType) : ScanBinary(body, BinaryWire.Json);
        }

        return Scan(body, expectedType);
    }

    /// <summary>The last JSON reply as a detached element (for tools that need more than its type; not for the load loop).</summary>
    public JsonElement LastReply()
    {
        using var document = JsonDocument.Parse(_reply.AsMemory(4, _replyLength));
        return document.RootElement.Clone();
    }

    /// <summary>The largest <c>N</c> among the tags of the form <c>vN</c> in the last JSON reply's <c>tags</c> member, or -1 when there is none.</summary>
    public long LastReplyTagNumber()
    {
        var reader = new Utf8JsonReader(_reply.AsSpan(4, _replyLength));
        var largest = -1L;
        var inTags = false;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
            {
                inTags = reader.ValueTextEquals("tags"u8);
            }
            else if (inTags && reader.TokenType == JsonTokenType.String && reader.ValueSpan is [(byte)'v', .. var digits]
                && System.Buffers.Text.Utf8Parser.TryParse(digits, out long number, out var used) && used == digits.Length)
            {
                largest = Math.Max(largest, number);
            }
        }

        return largest;
    }

    /// <summary>Sends a binary request of message type <paramref name="type"/> (binary connections only) and reads the reply, expecting its reply type.</summary>
    public async Task<Reply> BinaryRequestAsync(byte type, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        _request.ResetWrittenCount();
        BinaryWire.WriteFrame(_request, type, payload.Span);
        await SendAllAsync(System.Runtime.InteropServices.MemoryMarshal.AsMemory(_request.WrittenMemory), cancellationToken);
        var length = await ReceiveFrameAsync(cancellationToken);
        return ScanBinary(_reply.AsSpan(4, length), (byte)(type | BinaryWire.ReplyBit));
    }

    /// <summary>Reads one reply frame into the reply buffer; returns the body length (the body starts at offset 4).</summary>
    private async ValueTask<int> ReceiveFrameAsync(CancellationToken cancellationToken)
    {
        var received = await ReceiveAtLeastAsync(0, 4, cancellationToken);
        var length = (int)BinaryPrimitives.ReadUInt32BigEndian(_reply);
        if (length + 4 > _reply.Length)
        {
            Array.Resize(ref _reply, length + 4);
        }

        await ReceiveAtLeastAsync(received, length + 4, cancellationToken);
        return length;
    }

    /// <summary>A binary reply: ok when its type is <paramref name="expectedType"/>, the error text of a 0xFF frame otherwise.</summary>
    private static Reply ScanBinary(ReadOnlySpan<byte> body, byte expectedType)
    {
        if (body.Length > 0 && body[0] == expectedType)
        {
            return new Reply(true, string.Empty, 0);
        }

        var text = body.Length >= 3 && body[0] == BinaryWire.Error
            ? Encoding.UTF8.GetString(body[3..])
            : $"unexpected binary reply type 0x{(body.Length > 0 ? body[0] : 0):x2}";
        return new Reply(false, text, 0);
    }

    public async ValueTask DisposeAsync()
    {
        _json.Dispose();
        if (_tls is not null)
        {
            await _tls.DisposeAsync();
        }

        _socket.Dispose();
    }

    private async ValueTask SendAllAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        if (_tls is not null)
        {
            await _tls.WriteAsync(frame, cancellationToken);
            return;
        }

        // Plain TCP talks to the socket directly, as before TLS existed, so plaintext numbers stay comparable.
        while (!frame.IsEmpty)
        {
            frame = frame[await _socket.SendAsync(frame, SocketFlags.None, cancellationToken)..];
        }
    }

    private async ValueTask<int> ReceiveAtLeastAsync(int have, int need, CancellationToken cancellationToken)
    {
        while (have < need)
        {
            var read = _tls is null
                ? await _socket.ReceiveAsync(_reply.AsMemory(have), SocketFlags.None, cancellationToken)
                : await _tls.ReadAsync(_reply.AsMemory(have), cancellationToken);
            if (read == 0)
            {
                throw new IOException("the server closed the connection");
            }

            have += read;
        }

        return have;
    }

    /// <summary>Reads the top-level <c>type</c>, <c>error</c> and <c>node_id</c> members of a reply.</summary>
    private static Reply Scan(ReadOnlySpan<byte> json, string expectedType)
    {
        var reader = new Utf8JsonReader(json);
        string? type = null;
        string? error = null;
        uint nodeId = 0;
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            reader.Read();
            if (name.SequenceEqual("type"u8))
            {
                type = reader.ValueTextEquals(expectedType) ? expectedType : reader.GetString();
            }
            else if (name.SequenceEqual("error"u8))
            {
                error = reader.GetString();
            }
            else if (name.SequenceEqual("node_id"u8) && reader.TokenType == JsonTokenType.Number)
            {
                nodeId = reader.GetUInt32();
            }
            else
            {
                reader.Skip();
            }
        }

        return ReferenceEquals(type, expectedType)
            ? new Reply(true, expectedType, nodeId)
            : new Reply(false, error ?? type ?? Encoding.UTF8.GetString(json), nodeId);
    }
}

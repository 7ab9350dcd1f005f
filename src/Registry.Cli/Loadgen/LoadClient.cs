using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Registry.Cli.Loadgen;

/// <summary>One connection speaking the registry's framing (4-byte big-endian length + JSON object), one request at a time.</summary>
internal sealed class LoadClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private byte[] _buffer = new byte[64 * 1024];

    private LoadClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public static async Task<LoadClient> ConnectAsync(EndPoint server, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(server, cancellationToken);
        return new LoadClient(socket);
    }

    /// <summary>Sends a request built by <paramref name="write"/> and returns the reply's root element (valid until the next call).</summary>
    public async Task<JsonElement> RequestAsync(Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
    {
        var body = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(body))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        var frame = new byte[4 + body.WrittenCount];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)body.WrittenCount);
        body.WrittenSpan.CopyTo(frame.AsSpan(4));
        await _stream.WriteAsync(frame, cancellationToken);

        await _stream.ReadExactlyAsync(_buffer.AsMemory(0, 4), cancellationToken);
        var length = (int)BinaryPrimitives.ReadUInt32BigEndian(_buffer);
        if (length > _buffer.Length)
        {
            _buffer = new byte[length];
        }

        await _stream.ReadExactlyAsync(_buffer.AsMemory(0, length), cancellationToken);
        using var document = JsonDocument.Parse(_buffer.AsMemory(0, length));
        return document.RootElement.Clone();
    }

    public ValueTask DisposeAsync() => _stream.DisposeAsync();

    /// <summary>The reply's type, or the error text when it is an error.</summary>
    public static (bool Ok, string Text) Outcome(JsonElement reply, string expectedType)
    {
        var type = reply.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
        if (string.Equals(type, expectedType, StringComparison.Ordinal))
        {
            return (true, type);
        }

        return (false, reply.TryGetProperty("error", out var e) ? e.GetString() ?? type : Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(reply)));
    }
}

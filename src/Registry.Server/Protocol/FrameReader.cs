using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text.Json;

namespace Registry.Server.Protocol;

/// <summary>Reads length-prefixed JSON request frames (wire protocol §1.2) from a <see cref="PipeReader"/>.</summary>
/// <remarks>
/// Frame = 4-byte big-endian length + that many bytes of UTF-8 JSON object. Every malformed input is a
/// <see cref="FrameOutcome"/>, never an exception: a hostile peer must not be able to make the server pay for
/// exception unwinding on every frame. The body is parsed straight from the pipe's buffers, so a frame that
/// arrives in one read costs no copy; the length is checked before any body byte is buffered, so an oversize
/// prefix cannot make us allocate. Not thread-safe: one reader per connection, driven by its read loop.
/// Lifetime: a returned document may reference the pipe's memory, so the frame is only marked consumed at the
/// next <see cref="ReadAsync"/> (or <see cref="Release"/>); until then the pipe cannot recycle those bytes.
/// </remarks>
public sealed class FrameReader
{
    private const int PrefixLength = 4;

    /// <summary>Frames with larger bodies are parsed on the thread pool, not on a socket engine thread (<see cref="Transport.EngineThread"/>).</summary>
    internal const int InlineParseLimit = 16 * 1024;

    // Go reads depth-unbounded maps; 64 levels is far beyond any registry request and bounds stack use.
    private static readonly JsonDocumentOptions s_documentOptions = new() { MaxDepth = 64 };

    private readonly PipeReader _input;
    private readonly int _maxBodyBytes;
    private SequencePosition? _pendingConsumed;

    /// <summary>Creates a reader over <paramref name="input"/> refusing bodies above <paramref name="maxBodyBytes"/>.</summary>
    public FrameReader(PipeReader input, int maxBodyBytes)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBodyBytes, 1);
        _input = input;
        _maxBodyBytes = maxBodyBytes;
    }

    /// <summary>Called when bytes of a frame not yet complete have arrived (a large frame on a slow link), so a caller can tell a slow peer from a silent one.</summary>
    public Action? Progress { get; set; }

    /// <summary>Reads the next frame; cancellation (idle timeout, shutdown) surfaces as <see cref="OperationCanceledException"/>.</summary>
    /// <remarks>The previous frame's document must be disposed before this call: its bytes are released here.</remarks>
    public ValueTask<FrameReadResult> ReadAsync(CancellationToken cancellationToken) => ReadFrameAsync(binary: false, cancellationToken);

    /// <summary>Reads the next binary-protocol frame (§1.3): a message type and its payload, or why the connection must close.</summary>
    /// <remarks>
    /// The payload stays valid until the next read or <see cref="Release"/>. A 0x00 frame's JSON is parsed here with
    /// the same rules as a JSON-protocol frame, so a malformed body closes the connection the same way.
    /// </remarks>
    public ValueTask<FrameReadResult> ReadBinaryAsync(CancellationToken cancellationToken) => ReadFrameAsync(binary: true, cancellationToken);

    /// <summary>Reads the first bytes of a connection and tells which protocol it speaks; the JSON protocol's bytes are left unread.</summary>
    public async ValueTask<ProtocolPreamble> DetectAsync(CancellationToken cancellationToken)
    {
        Release();
        while (true)
        {
            var read = await _input.ReadAsync(cancellationToken);
            var buffer = read.Buffer;
            if (buffer.Length >= PrefixLength && !StartsWith(buffer, BinaryWire.Magic))
            {
                // Examined nothing: the frame reader sees these bytes again as a length prefix.
                _input.AdvanceTo(buffer.Start);
                return ProtocolPreamble.Json;
            }

            if (buffer.Length > PrefixLength)
            {
                var version = buffer.Slice(PrefixLength, 1).FirstSpan[0];
                _input.AdvanceTo(buffer.GetPosition(PrefixLength + 1));
                return ProtocolPreamble.Binary(version);
            }

            if (read.IsCompleted || read.IsCanceled)
            {
                _input.AdvanceTo(buffer.End);
                return buffer.IsEmpty ? ProtocolPreamble.EndOfStream : ProtocolPreamble.Truncated;
            }

            _input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>
    /// Waits for the start of the next frame; when its body is at least <paramref name="minBodyBytes"/> long and starts with
    /// <paramref name="prefix"/>, takes the length and the prefix and returns how many bytes of the body follow, to be read
    /// with <see cref="OpenBody"/>. Otherwise returns null and takes nothing: <see cref="ReadAsync"/> reads (or refuses) the frame.
    /// </summary>
    /// <remarks>For a frame too large to hold at once (a replication snapshot): the caller decodes it as it arrives.</remarks>
    public async ValueTask<long?> TryTakeFrameStartingWithAsync(ReadOnlyMemory<byte> prefix, long minBodyBytes, CancellationToken cancellationToken)
    {
        Release();
        while (true)
        {
            var read = await _input.ReadAsync(cancellationToken);
            var buffer = read.Buffer;
            if (buffer.Length >= PrefixLength)
            {
                var length = ReadLength(buffer);
                if (length < minBodyBytes || length < prefix.Length || length > (uint)_maxBodyBytes)
                {
                    _input.AdvanceTo(buffer.Start);
                    return null;
                }

                if (buffer.Length >= PrefixLength + prefix.Length)
                {
                    var starts = StartsWith(buffer.Slice(PrefixLength), prefix.Span);
                    _input.AdvanceTo(starts ? buffer.GetPosition(PrefixLength + prefix.Length) : buffer.Start);
                    return starts ? length - prefix.Length : null;
                }
            }

            if (read.IsCompleted || read.IsCanceled)
            {
                // Left for ReadAsync, which tells an ended stream from a truncated frame.
                _input.AdvanceTo(buffer.Start);
                return null;
            }

            _input.AdvanceTo(buffer.Start, buffer.End);
            Progress?.Invoke();
        }
    }

    /// <summary>
    /// A stream of the next <paramref name="length"/> bytes of the input (the rest of a frame taken with
    /// <see cref="TryTakeFrameStartingWithAsync"/>); its reads block until bytes arrive, so read it on a thread of its
    /// own. <see cref="Progress"/> is called for every read that brings bytes; the input ending early is an <see cref="IOException"/>.
    /// </summary>
    public Stream OpenBody(long length, CancellationToken cancellationToken) => new BodyStream(this, length, cancellationToken);

    /// <summary>Whether <paramref name="bytes"/>, at least as long as <paramref name="prefix"/>, begins with it.</summary>
    private static bool StartsWith(ReadOnlySequence<byte> bytes, ReadOnlySpan<byte> prefix)
    {
        var head = bytes.Slice(0, prefix.Length);
        if (head.IsSingleSegment)
        {
            return head.FirstSpan.SequenceEqual(prefix);
        }

        var copy = prefix.Length <= 256 ? stackalloc byte[prefix.Length] : new byte[prefix.Length];
        head.CopyTo(copy);
        return copy.SequenceEqual(prefix);
    }

    /// <summary>Marks the last request frame consumed; call before reading <see cref="PipeReader"/> directly (replication) and only after its document is disposed.</summary>
    public void Release()
    {
        if (_pendingConsumed is { } consumed)
        {
            _pendingConsumed = null;
            _input.AdvanceTo(consumed);
        }
    }

    /// <summary>The body of a frame as it arrives: at most the bytes asked for, each read waiting on the pipe.</summary>
    private sealed class BodyStream(FrameReader owner, long length, CancellationToken cancellationToken) : Stream
    {
        private readonly long _length = length;
        private long _remaining = length;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => _length;

        public override long Position
        {
            get => _length - _remaining;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_remaining == 0 || buffer.IsEmpty)
            {
                return 0;
            }

            var pending = owner._input.ReadAsync(cancellationToken);
            var read = pending.IsCompleted ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
            var available = read.Buffer;
            if (available.IsEmpty)
            {
                owner._input.AdvanceTo(available.End);
                throw new IOException($"the stream ended {_remaining} bytes before the end of the frame");
            }

            var taken = available.Slice(0, Math.Min(available.Length, Math.Min(buffer.Length, _remaining)));
            taken.CopyTo(buffer);
            owner._input.AdvanceTo(taken.End);
            _remaining -= taken.Length;
            owner.Progress?.Invoke();
            return (int)taken.Length;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private async ValueTask<FrameReadResult> ReadFrameAsync(bool binary, CancellationToken cancellationToken)
    {
        Release();
        while (true)
        {
            var read = await _input.ReadAsync(cancellationToken);
            var buffer = read.Buffer;
            var outcome = TryReadBody(ref buffer, out var body);
            if (outcome is { } done)
            {
                if (body.Length > InlineParseLimit)
                {
                    // A large document takes long to parse: not on a socket engine thread, which serves other connections.
                    await Transport.EngineThread.Leave();
                }

                var result = done != FrameOutcome.Request ? new FrameReadResult(done, null, (int)body.Length)
                    : binary ? ParseBinary(body)
                    : Parse(body);
                if (result.Outcome == FrameOutcome.Request)
                {
                    // Keep the bytes pinned in the pipe while the document or payload (which may point into them) is alive.
                    _pendingConsumed = buffer.Start;
                }
                else
                {
                    _input.AdvanceTo(buffer.Start);
                }

                return result;
            }

            if (read.IsCompleted || read.IsCanceled)
            {
                _input.AdvanceTo(buffer.End);
                return new FrameReadResult(buffer.IsEmpty ? FrameOutcome.EndOfStream : FrameOutcome.Truncated, null, 0);
            }

            // Not enough bytes yet: mark everything examined so the next read waits for more.
            _input.AdvanceTo(buffer.Start, buffer.End);
            Progress?.Invoke();
        }
    }

    /// <summary>Cuts one frame's body from <paramref name="buffer"/>; null means more bytes are needed. On a result, <paramref name="buffer"/> starts after what was consumed.</summary>
    private FrameOutcome? TryReadBody(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> body)
    {
        body = default;
        if (buffer.Length < PrefixLength)
        {
            return null;
        }

        var length = ReadLength(buffer);
        if (length == 0)
        {
            buffer = buffer.Slice(PrefixLength);
            return FrameOutcome.EmptyFrame;
        }

        if (length > (uint)_maxBodyBytes)
        {
            buffer = buffer.Slice(PrefixLength);
            return FrameOutcome.Oversize;
        }

        if (buffer.Length < PrefixLength + length)
        {
            return null;
        }

        body = buffer.Slice(PrefixLength, length);
        buffer = buffer.Slice(body.End);
        return FrameOutcome.Request;
    }

    /// <summary>The body length a frame's prefix announces; <paramref name="buffer"/> holds at least the prefix.</summary>
    private static uint ReadLength(ReadOnlySequence<byte> buffer)
    {
        Span<byte> prefix = stackalloc byte[PrefixLength];
        buffer.Slice(0, PrefixLength).CopyTo(prefix);
        return BinaryPrimitives.ReadUInt32BigEndian(prefix);
    }

    private static FrameReadResult ParseBinary(ReadOnlySequence<byte> body)
    {
        var type = body.FirstSpan[0];
        var payload = body.Slice(1);
        if (type == BinaryWire.Json)
        {
            return Parse(payload) with { MessageType = type };
        }

        // Binary payloads are a few dozen bytes; one that straddles two pipe segments is copied rather than parsed in pieces.
        var memory = payload.IsSingleSegment ? payload.First : payload.ToArray();
        return new FrameReadResult(FrameOutcome.Request, null, (int)body.Length) { MessageType = type, Payload = memory };
    }

    /// <summary>Parses one JSON-protocol frame body with the rules of <see cref="ReadAsync"/>; the document references <paramref name="body"/>'s memory.</summary>
    internal static FrameReadResult Parse(ReadOnlySequence<byte> body)
    {
        var length = (int)body.Length;

        // Validate with the reader first: invalid JSON from a hostile peer is expected and must not throw.
        var validator = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = s_documentOptions.MaxDepth });
        if (!TrySkipDocument(ref validator, out var firstToken))
        {
            return new FrameReadResult(FrameOutcome.InvalidJson, null, length);
        }

        if (firstToken != JsonTokenType.StartObject)
        {
            return new FrameReadResult(FrameOutcome.NotAnObject, null, length);
        }

        return new FrameReadResult(FrameOutcome.Request, JsonDocument.Parse(body, s_documentOptions), length);
    }

    private static bool TrySkipDocument(ref Utf8JsonReader reader, out JsonTokenType firstToken)
    {
        firstToken = JsonTokenType.None;
        try
        {
            if (!reader.Read())
            {
                return false;
            }

            firstToken = reader.TokenType;
            reader.Skip();

            // Trailing non-whitespace after the value makes the whole body invalid, as in encoding/json.
            return !reader.Read();
        }
        catch (JsonException)
        {
            // Utf8JsonReader reports malformed input only by throwing; this is the cold path of a bad frame.
            return false;
        }
    }
}

using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using Registry.Persistence.Json;

namespace Registry.Server.Protocol;

/// <summary>Writes response frames (4-byte big-endian length + UTF-8 JSON object) to a <see cref="PipeWriter"/>.</summary>
/// <remarks>Error responses are sanitized here, at the one place every reply passes, so no handler can bypass §1.2. Not thread-safe.</remarks>
public sealed class FrameWriter
{
    /// <summary>The buffers a frame's pieces are copied into.</summary>
    private const int CopyBufferBytes = 64 * 1024;

    private readonly PipeWriter _output;
    private readonly ArrayBufferWriter<byte> _scratch = new(128);
    private int _copyBufferLeft;

    /// <summary>Creates a writer over <paramref name="output"/>.</summary>
    public FrameWriter(PipeWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
    }

    /// <summary>Writes one response frame and flushes it.</summary>
    public async ValueTask WriteAsync(Response response, CancellationToken cancellationToken)
    {
        Encode(_output, response, _scratch);
        await FlushAsync(cancellationToken);
    }

    /// <summary>
    /// Writes one frame of <paramref name="length"/> bytes whose body, a UTF-8 JSON object, is read from <paramref name="body"/>
    /// as it is produced, in pieces of at most <paramref name="pieceBytes"/>, flushing after each; <paramref name="beforePiece"/>
    /// runs before each piece.
    /// </summary>
    /// <remarks>
    /// For frames far larger than the socket's buffers (a replication snapshot of a large registry): neither the pipe nor
    /// the caller holds the whole frame, and a caller can measure the peer's progress piece by piece.
    /// </remarks>
    /// <exception cref="InvalidDataException">The body ended before <paramref name="length"/> bytes, or went on after them; the frame on the wire is then incomplete or followed by stray bytes, and the connection must be closed.</exception>
    public async ValueTask WriteInPiecesAsync(long length, PipeReader body, int pieceBytes, Action beforePiece, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, uint.MaxValue);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pieceBytes);
        ArgumentNullException.ThrowIfNull(beforePiece);

        beforePiece();
        _copyBufferLeft = 0;
        var header = _output.GetSpan(4);
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)length);
        _output.Advance(4);
        var remaining = length;
        var inPiece = 0L;
        while (remaining > 0)
        {
            var read = await body.ReadAsync(cancellationToken);
            if (read.Buffer.IsEmpty && read.IsCompleted)
            {
                throw new InvalidDataException($"A frame's body ended {remaining} bytes short of its length, {length}.");
            }

            // Measured before it is handed back: a consumed segment may be reused, and a sequence over it then measures wrong.
            var take = read.Buffer.Slice(0, Math.Min(read.Buffer.Length, Math.Min(remaining, pieceBytes - inPiece)));
            var taken = take.Length;
            foreach (var part in take)
            {
                Copy(part.Span);
            }

            body.AdvanceTo(take.End);
            remaining -= taken;
            inPiece += taken;
            if (inPiece == pieceBytes || remaining == 0)
            {
                await FlushAsync(cancellationToken);
                _copyBufferLeft = 0;
                inPiece = 0;
                if (remaining > 0)
                {
                    beforePiece();
                }
            }
        }

        var end = await body.ReadAsync(cancellationToken);
        if (!end.Buffer.IsEmpty || !end.IsCompleted)
        {
            throw new InvalidDataException($"A frame's body went on past its length, {length}.");
        }
    }

    /// <summary>Copies into the output in buffers of <see cref="CopyBufferBytes"/>.</summary>
    /// <remarks>
    /// A connection's writer hands out 4 KiB buffers unless asked for more: a piece of a mebibyte took 256 of them, more
    /// than the shared pool keeps, so about three quarters of every piece was allocated anew and dropped after its flush.
    /// </remarks>
    private void Copy(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            // The rest of the current buffer while it has room (any hint larger than that room starts a new buffer),
            // then a new one of the full size: a hint of what is left to copy would get buffers of that size, and a
            // body read in parts of a few KiB would again take a buffer per part.
            var span = _output.GetSpan(_copyBufferLeft > 0 ? 1 : CopyBufferBytes);
            var count = Math.Min(span.Length, bytes.Length);
            bytes[..count].CopyTo(span);
            _output.Advance(count);
            _copyBufferLeft = span.Length - count;
            bytes = bytes[count..];
        }
    }

    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        var flush = await _output.FlushAsync(cancellationToken);
        if (flush.IsCanceled)
        {
            throw new OperationCanceledException(cancellationToken);
        }
    }

    /// <summary>Writes one binary-protocol frame (§1.3) and flushes it.</summary>
    /// <param name="response">The reply.</param>
    /// <param name="jsonPassthrough">
    /// True for the reply to a 0x00 (JSON) request: the JSON body, or the sanitized JSON error object, inside a 0x00
    /// frame. False for a binary handler's reply: its body already starts with the reply type, and an error becomes
    /// a 0xFF frame with the text unsanitized, as the protocol defines.
    /// </param>
    /// <param name="cancellationToken">Cancels the flush.</param>
    public async ValueTask WriteBinaryAsync(Response response, bool jsonPassthrough, CancellationToken cancellationToken)
    {
        if (jsonPassthrough)
        {
            var body = response.IsError ? EncodeError(ErrorSanitizer.Sanitize(response.Error)) : response.Body.Span;
            BinaryWire.WriteFrame(_output, BinaryWire.Json, body);
        }
        else if (response.Error is { } error)
        {
            WriteBinaryError(_output, error);
        }
        else
        {
            WriteBody(_output, response.Body.Span);
        }

        await FlushAsync(cancellationToken);
    }

    /// <summary>Writes a 0xFF error frame with <paramref name="text"/> and flushes it.</summary>
    public async ValueTask WriteBinaryErrorAsync(string text, CancellationToken cancellationToken)
    {
        WriteBinaryError(_output, text);
        await FlushAsync(cancellationToken);
    }

    /// <summary>Writes an error frame with <paramref name="text"/> verbatim (no sanitizing) and flushes it; for the replication handshake's fixed texts.</summary>
    public async ValueTask WriteRawErrorAsync(string text, CancellationToken cancellationToken)
    {
        WriteError(_output, text);
        await _output.FlushAsync(cancellationToken);
    }

    /// <summary>Encodes one JSON-protocol reply frame into <paramref name="output"/>, sanitizing an error as <see cref="WriteAsync"/> does.</summary>
    /// <param name="output">Where the frame goes.</param>
    /// <param name="response">The reply.</param>
    /// <param name="scratch">A buffer the error object is encoded in first.</param>
    internal static void Encode(IBufferWriter<byte> output, Response response, ArrayBufferWriter<byte> scratch)
    {
        if (response.IsError)
        {
            WriteBody(output, EncodeError(scratch, ErrorSanitizer.Sanitize(response.Error)));
        }
        else
        {
            WriteBody(output, response.Body.Span);
        }
    }

    private static void WriteBody(IBufferWriter<byte> output, ReadOnlySpan<byte> body)
    {
        var span = output.GetSpan(4 + body.Length);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)body.Length);
        body.CopyTo(span[4..]);
        output.Advance(4 + body.Length);
    }

    private static void WriteBinaryError(PipeWriter output, string text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        if (length > ushort.MaxValue)
        {
            // Handler texts are short; one that does not fit the u16 prefix is a bug, and must not break the framing.
            text = ErrorSanitizer.RequestFailed;
            length = Encoding.UTF8.GetByteCount(text);
        }

        var span = output.GetSpan(7 + length);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)(3 + length));
        span[4] = BinaryWire.Error;
        BinaryPrimitives.WriteUInt16BigEndian(span[5..], (ushort)length);
        Encoding.UTF8.GetBytes(text, span.Slice(7, length));
        output.Advance(7 + length);
    }

    private void WriteError(PipeWriter output, string text) => WriteBody(output, EncodeError(_scratch, text));

    private ReadOnlySpan<byte> EncodeError(string text) => EncodeError(_scratch, text);

    private static ReadOnlySpan<byte> EncodeError(ArrayBufferWriter<byte> scratch, string text)
    {
        // The pipe's memory must not be touched after Advance, so the (small) error object is encoded aside first.
        // GoJsonWriter gives Go's exact escaping (\" and \u003c rather than \u0022), so error bytes match the Go server's.
        scratch.ResetWrittenCount();
        var writer = new GoJsonWriter(scratch);
        writer.WriteStartObject();
        writer.WritePropertyName("error"u8);
        writer.WriteStringValue(text);
        writer.WritePropertyName("type"u8);
        writer.WriteStringValue("error"u8);
        writer.WriteEndObject();
        writer.Flush();
        return scratch.WrittenSpan;
    }
}

using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Registry.Persistence.Json;

namespace Registry.Server.Protocol;

/// <summary>Writes response frames (4-byte big-endian length + UTF-8 JSON object) to a <see cref="PipeWriter"/>.</summary>
/// <remarks>Error responses are sanitized here, at the one place every reply passes, so no handler can bypass §1.2. Not thread-safe.</remarks>
public sealed class FrameWriter
{
    private readonly PipeWriter _output;
    private readonly ArrayBufferWriter<byte> _scratch = new(128);

    /// <summary>Creates a writer over <paramref name="output"/>.</summary>
    public FrameWriter(PipeWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
    }

    /// <summary>Writes one response frame and flushes it.</summary>
    public async ValueTask WriteAsync(Response response, CancellationToken cancellationToken)
    {
        if (response.IsError)
        {
            WriteError(_output, ErrorSanitizer.Sanitize(response.Error));
        }
        else
        {
            WriteBody(_output, response.Body.Span);
        }

        var flush = await _output.FlushAsync(cancellationToken);
        if (flush.IsCanceled)
        {
            throw new OperationCanceledException(cancellationToken);
        }
    }

    /// <summary>Writes an error frame with <paramref name="text"/> verbatim (no sanitizing) and flushes it; for the replication handshake's fixed texts.</summary>
    public async ValueTask WriteRawErrorAsync(string text, CancellationToken cancellationToken)
    {
        WriteError(_output, text);
        await _output.FlushAsync(cancellationToken);
    }

    private static void WriteBody(PipeWriter output, ReadOnlySpan<byte> body)
    {
        var span = output.GetSpan(4 + body.Length);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)body.Length);
        body.CopyTo(span[4..]);
        output.Advance(4 + body.Length);
    }

    private void WriteError(PipeWriter output, string text)
    {
        // The pipe's memory must not be touched after Advance, so the (small) error object is encoded aside first.
        // GoJsonWriter gives Go's exact escaping (\" and \u003c rather than \u0022), so error bytes match the Go server's.
        _scratch.ResetWrittenCount();
        var writer = new GoJsonWriter(_scratch);
        writer.WriteStartObject();
        writer.WritePropertyName("error"u8);
        writer.WriteStringValue(text);
        writer.WritePropertyName("type"u8);
        writer.WriteStringValue("error"u8);
        writer.WriteEndObject();
        writer.Flush();
        WriteBody(output, _scratch.WrittenSpan);
    }
}

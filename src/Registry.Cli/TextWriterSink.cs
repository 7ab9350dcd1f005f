using System.Buffers;
using System.Text;

namespace Registry.Cli;

/// <summary>A buffer writer that hands UTF-8 bytes to a <see cref="TextWriter"/> a chunk at a time, so a large document never exists whole as bytes or as text.</summary>
/// <remarks>A UTF-8 sequence split between two chunks is carried over by the decoder. Call <see cref="Flush"/> when done.</remarks>
internal sealed class TextWriterSink(TextWriter output) : IBufferWriter<byte>
{
    private const int ChunkBytes = 64 * 1024;

    private readonly Decoder _decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
    private readonly char[] _chars = new char[ChunkBytes + 4];
    private byte[] _bytes = new byte[ChunkBytes];
    private int _used;

    /// <summary>Writes what <paramref name="write"/> produces as UTF-8 to <paramref name="output"/>, then a line break.</summary>
    public static void WriteLine(TextWriter output, Action<IBufferWriter<byte>> write)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(write);
        var sink = new TextWriterSink(output);
        write(sink);
        sink.Flush();
        output.WriteLine();
    }

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _bytes.Length - _used);
        _used += count;
        if (_used >= ChunkBytes)
        {
            Write(flush: false);
        }
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        if (_bytes.Length - _used < Math.Max(sizeHint, 1))
        {
            Write(flush: false);
            if (_bytes.Length < sizeHint)
            {
                _bytes = new byte[sizeHint];
            }
        }

        return _bytes.AsMemory(_used);
    }

    public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    /// <summary>Writes what is buffered, including an incomplete sequence at the end (as U+FFFD).</summary>
    public void Flush() => Write(flush: true);

    private void Write(bool flush)
    {
        var bytes = _bytes.AsSpan(0, _used);
        while (true)
        {
            _decoder.Convert(bytes, _chars, flush, out var read, out var written, out var completed);
            output.Write(_chars, 0, written);
            bytes = bytes[read..];
            if (completed || (read == 0 && written == 0))
            {
                break;
            }
        }

        _used = 0;
    }
}

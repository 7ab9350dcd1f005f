using System.Buffers;
using System.Buffers.Text;
using System.Runtime.InteropServices;

namespace Registry.Persistence.Json;

/// <summary>
/// A forward-only JSON writer whose bytes are exactly those of Go's <c>json.Marshal</c> (format-spec §6): compact,
/// Go string escaping, lowercase hex, raw UTF-8, and <see cref="WriteRawCompacted"/> for <c>json.RawMessage</c>.
/// </summary>
/// <remarks>
/// It writes what it is told in the order it is told: member order, omitempty and map-key order (see
/// <see cref="Utf8KeyComparer"/>) are the caller's job, as they are properties of the Go types. It inserts the
/// commas and colons. It does not check that starts and ends balance. Output is buffered in a span obtained
/// from the <see cref="IBufferWriter{T}"/> and committed by <see cref="Flush"/>; call it before reading the
/// output. Not thread-safe.
/// </remarks>
public sealed class GoJsonWriter
{
    private const int MinimumChunk = 4096;

    private readonly IBufferWriter<byte> _output;
    private Memory<byte> _memory;
    private byte[]? _array;
    private int _arrayStart;
    private int _buffered;
    private bool _needComma;

    /// <summary>Creates a writer that appends to <paramref name="output"/>.</summary>
    public GoJsonWriter(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
    }

    /// <summary>Bytes already handed to the output by <see cref="Flush"/>.</summary>
    public long BytesCommitted { get; private set; }

    /// <summary>Bytes written but not yet flushed to the output.</summary>
    public int BytesPending => _buffered;

    /// <summary>Commits the buffered bytes to the output.</summary>
    public void Flush()
    {
        if (_buffered > 0)
        {
            _output.Advance(_buffered);
            BytesCommitted += _buffered;
        }

        _buffered = 0;
        _memory = default;
        _array = null;
    }

    /// <summary>Writes <c>{</c>.</summary>
    public void WriteStartObject() => WriteOpen((byte)'{');

    /// <summary>Writes <c>}</c>.</summary>
    public void WriteEndObject() => WriteClose((byte)'}');

    /// <summary>Writes <c>[</c>.</summary>
    public void WriteStartArray() => WriteOpen((byte)'[');

    /// <summary>Writes <c>]</c>.</summary>
    public void WriteEndArray() => WriteClose((byte)']');

    /// <summary>Writes an escaped member name from UTF-8 and the colon.</summary>
    public void WritePropertyName(ReadOnlySpan<byte> utf8Name)
    {
        var span = Reserve(checked((utf8Name.Length * GoStringEscaper.MaxExpansion) + 4));
        var p = Comma(span);
        span[p++] = (byte)'"';
        p += GoStringEscaper.Escape(utf8Name, span[p..]);
        span[p++] = (byte)'"';
        span[p++] = (byte)':';
        Commit(p);
        _needComma = false;
    }

    /// <summary>Writes an escaped member name and the colon.</summary>
    public void WritePropertyName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var span = Reserve(checked((name.Length * GoStringEscaper.MaxExpansion) + 4));
        var p = Comma(span);
        span[p++] = (byte)'"';
        p += GoStringEscaper.Escape(name.AsSpan(), span[p..]);
        span[p++] = (byte)'"';
        span[p++] = (byte)':';
        Commit(p);
        _needComma = false;
    }

    /// <summary>Writes a string value, or <c>null</c> for <see langword="null"/>.</summary>
    public void WriteStringValue(string? value)
    {
        if (value is null)
        {
            WriteNullValue();
            return;
        }

        var span = Reserve(checked((value.Length * GoStringEscaper.MaxExpansion) + 3));
        var p = Comma(span);
        span[p++] = (byte)'"';
        p += GoStringEscaper.Escape(value.AsSpan(), span[p..]);
        span[p++] = (byte)'"';
        Commit(p);
        _needComma = true;
    }

    /// <summary>Writes a string value given as UTF-8; invalid bytes become <c>\ufffd</c> as in Go.</summary>
    public void WriteStringValue(ReadOnlySpan<byte> utf8Value)
    {
        var span = Reserve(checked((utf8Value.Length * GoStringEscaper.MaxExpansion) + 3));
        var p = Comma(span);
        span[p++] = (byte)'"';
        p += GoStringEscaper.Escape(utf8Value, span[p..]);
        span[p++] = (byte)'"';
        Commit(p);
        _needComma = true;
    }

    /// <summary>Writes a signed integer in plain decimal.</summary>
    public void WriteNumberValue(long value)
    {
        var span = Reserve(21);
        var p = Comma(span);
        _ = Utf8Formatter.TryFormat(value, span[p..], out var n);
        Commit(p + n);
        _needComma = true;
    }

    /// <summary>Writes an unsigned integer in plain decimal.</summary>
    public void WriteNumberValue(ulong value)
    {
        var span = Reserve(21);
        var p = Comma(span);
        _ = Utf8Formatter.TryFormat(value, span[p..], out var n);
        Commit(p + n);
        _needComma = true;
    }

    /// <summary>Writes <c>true</c> or <c>false</c>.</summary>
    public void WriteBooleanValue(bool value) => WriteLiteral(value ? "true"u8 : "false"u8);

    /// <summary>Writes <c>null</c>.</summary>
    public void WriteNullValue() => WriteLiteral("null"u8);

    /// <summary>
    /// Writes a <c>json.RawMessage</c> the way Go does: validated, compacted, with <c>&lt; &gt; &amp;</c> and
    /// U+2028/U+2029 escaped inside strings and every other byte kept. Throws <see cref="GoJsonException"/> on
    /// invalid JSON, which in Go fails the whole marshal.
    /// </summary>
    public void WriteRawCompacted(ReadOnlySpan<byte> json)
    {
        GoRawJsonCompactor.Validate(json);
        var span = Reserve(checked(GoRawJsonCompactor.MaxOutputLength(json.Length) + 1));
        var p = Comma(span);
        p += GoRawJsonCompactor.Compact(json, span[p..]);
        Commit(p);
        _needComma = true;
    }

    /// <summary>Writes bytes verbatim, with no separator and no checks; for splicing pre-encoded text.</summary>
    public void WriteRawBytes(ReadOnlySpan<byte> bytes)
    {
        var span = Reserve(bytes.Length);
        bytes.CopyTo(span);
        Commit(bytes.Length);
    }

    private void WriteLiteral(ReadOnlySpan<byte> literal)
    {
        var span = Reserve(literal.Length + 1);
        var p = Comma(span);
        literal.CopyTo(span[p..]);
        Commit(p + literal.Length);
        _needComma = true;
    }

    private void WriteOpen(byte token)
    {
        var span = Reserve(2);
        var p = Comma(span);
        span[p++] = token;
        Commit(p);
        _needComma = false;
    }

    private void WriteClose(byte token)
    {
        var span = Reserve(1);
        span[0] = token;
        Commit(1);
        _needComma = true;
    }

    private int Comma(Span<byte> span)
    {
        if (!_needComma)
        {
            return 0;
        }

        span[0] = (byte)',';
        return 1;
    }

    private Span<byte> Reserve(int size)
    {
        if (_memory.Length - _buffered < size)
        {
            Flush();
            _memory = _output.GetMemory(Math.Max(size, MinimumChunk));

            // Memory<T>.Span costs a type check per call; for array-backed buffers (the usual case) slice the array.
            if (MemoryMarshal.TryGetArray<byte>(_memory, out var segment))
            {
                _array = segment.Array;
                _arrayStart = segment.Offset;
            }
        }

        return _array is not null
            ? _array.AsSpan(_arrayStart + _buffered, _memory.Length - _buffered)
            : _memory.Span[_buffered..];
    }

    private void Commit(int count) => _buffered += count;
}

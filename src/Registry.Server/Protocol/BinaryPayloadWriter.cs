using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Registry.Server.Protocol;

/// <summary>Appends the big-endian fields of a binary reply (§1.3) to a buffer.</summary>
/// <remarks>
/// Length-prefixed fields refuse values their prefix cannot count (<see cref="ArgumentOutOfRangeException"/>):
/// a silently wrapped length would desynchronise the client's parser for every later field. Callers check limits
/// the protocol leaves open (external ids) before writing.
/// </remarks>
public sealed class BinaryPayloadWriter
{
    private readonly IBufferWriter<byte> _output;

    /// <summary>Creates a writer appending to <paramref name="output"/>.</summary>
    public BinaryPayloadWriter(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
    }

    /// <summary>Writes one byte.</summary>
    public void U8(byte value)
    {
        _output.GetSpan(1)[0] = value;
        _output.Advance(1);
    }

    /// <summary>Writes a big-endian unsigned 16-bit integer.</summary>
    public void U16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_output.GetSpan(2), value);
        _output.Advance(2);
    }

    /// <summary>Writes a big-endian unsigned 32-bit integer.</summary>
    public void U32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_output.GetSpan(4), value);
        _output.Advance(4);
    }

    /// <summary>Writes a big-endian signed 64-bit integer.</summary>
    public void I64(long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(_output.GetSpan(8), value);
        _output.Advance(8);
    }

    /// <summary>Writes a u8 length and the bytes.</summary>
    public void Bytes8(ReadOnlySpan<byte> value)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value.Length, byte.MaxValue, nameof(value));
        U8((byte)value.Length);
        _output.Write(value);
    }

    /// <summary>Writes a u8 length and the UTF-8 bytes of <paramref name="value"/>.</summary>
    public void String8(string value) => WriteString(value, byte.MaxValue, prefixBytes: 1);

    /// <summary>Writes a u16 length and the UTF-8 bytes of <paramref name="value"/>.</summary>
    public void String16(string value) => WriteString(value, ushort.MaxValue, prefixBytes: 2);

    /// <summary>The UTF-8 length of <paramref name="value"/>, for callers checking a field's limit first.</summary>
    public static int Utf8Length(string value) => Encoding.UTF8.GetByteCount(value);

    private void WriteString(string value, int max, int prefixBytes)
    {
        ArgumentNullException.ThrowIfNull(value);
        var length = Encoding.UTF8.GetByteCount(value);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, max, nameof(value));
        if (prefixBytes == 1)
        {
            U8((byte)length);
        }
        else
        {
            U16((ushort)length);
        }

        var written = Encoding.UTF8.GetBytes(value, _output.GetSpan(length));
        _output.Advance(written);
    }
}

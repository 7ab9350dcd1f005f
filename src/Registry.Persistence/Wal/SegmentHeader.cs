using System.Buffers.Binary;

namespace Registry.Persistence.Wal;

/// <summary>Format and parse of the 32-byte header that opens every log segment file.</summary>
/// <remarks>
/// <code>
/// offset size field
///  0     8    magic "PILOTWAL"
///  8     2    format version (1)
/// 10     2    header size (32)
/// 12     4    flags, zero
/// 16     8    first sequence number this segment holds (u64 LE)
/// 24     4    reserved, zero
/// 28     4    crc32c over bytes [0, 28)
/// </code>
/// Keep in sync with docs/wal-format.md.
/// </remarks>
internal static class SegmentHeader
{
    /// <summary>Size of the header in bytes.</summary>
    public const int Size = 32;

    /// <summary>The format version this build writes and reads.</summary>
    public const ushort Version = 1;

    /// <summary>The name of the format in tool output.</summary>
    public const string FormatName = "pilotwal-v1";

    /// <summary>The eight magic bytes at the start of every segment.</summary>
    public static ReadOnlySpan<byte> Magic => "PILOTWAL"u8;

    /// <summary>Writes a header for a segment whose first record will have <paramref name="firstSeq"/>.</summary>
    public static void Format(Span<byte> destination, ulong firstSeq)
    {
        destination[..Size].Clear();
        Magic.CopyTo(destination);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], Version);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[10..], Size);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], firstSeq);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[28..], WalChecksum.Compute(destination[..28]));
    }

    /// <summary>Whether <paramref name="source"/> starts with the segment magic.</summary>
    public static bool HasMagic(ReadOnlySpan<byte> source) => source.Length >= Magic.Length && source[..Magic.Length].SequenceEqual(Magic);

    /// <summary>Parses a header; on failure <paramref name="error"/> says why.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out ulong firstSeq, out string? error)
    {
        firstSeq = 0;
        if (source.Length < Size)
        {
            error = $"segment header is incomplete ({source.Length} of {Size} bytes)";
            return false;
        }

        if (!HasMagic(source))
        {
            error = "segment header has no PILOTWAL magic";
            return false;
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(source[28..]) != WalChecksum.Compute(source[..28]))
        {
            error = "segment header checksum mismatch";
            return false;
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(source[8..]);
        if (version != Version || BinaryPrimitives.ReadUInt16LittleEndian(source[10..]) != Size)
        {
            error = $"unsupported segment format version {version}";
            return false;
        }

        firstSeq = BinaryPrimitives.ReadUInt64LittleEndian(source[16..]);
        error = null;
        return true;
    }
}

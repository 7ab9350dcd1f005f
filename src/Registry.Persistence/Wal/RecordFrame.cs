using System.Buffers.Binary;
using Registry.Persistence.Deltas;

namespace Registry.Persistence.Wal;

/// <summary>Format and parse of one log record: a 24-byte header followed by the payload bytes.</summary>
/// <remarks>
/// <code>
/// offset size field
///  0     4    crc32c over bytes [4, 24 + length)
///  4     4    length of the payload (u32 LE)
///  8     8    sequence number (u64 LE)
/// 16     1    delta type
/// 17     1    flags: bit 0 = payload present
/// 18     2    reserved, zero
/// 20     4    node id (u32 LE)
/// 24     n    payload (raw UTF-8 JSON)
/// </code>
/// The checksum covers the length, so a damaged length is caught like any other flipped bit.
/// Keep in sync with docs/wal-format.md.
/// </remarks>
internal static class RecordFrame
{
    /// <summary>Bytes before the payload.</summary>
    public const int HeaderSize = 24;

    private const byte FlagHasData = 1;

    /// <summary>Total bytes a record with a payload of <paramref name="payloadLength"/> bytes occupies.</summary>
    public static int SizeOf(int payloadLength) => HeaderSize + payloadLength;

    /// <summary>Writes a record into <paramref name="destination"/>, which must hold <see cref="SizeOf"/> bytes.</summary>
    public static void Format(Span<byte> destination, ulong seq, DeltaType type, uint nodeId, ReadOnlySpan<byte> data, bool hasData)
    {
        var total = HeaderSize + data.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (uint)data.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], seq);
        destination[16] = (byte)type;
        destination[17] = hasData ? FlagHasData : (byte)0;
        destination[18] = 0;
        destination[19] = 0;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[20..], nodeId);
        data.CopyTo(destination[HeaderSize..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination, WalChecksum.Compute(destination[4..total]));
    }

    /// <summary>Reads the payload length a header declares, without validating anything else.</summary>
    public static uint PeekLength(ReadOnlySpan<byte> header) => BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);

    /// <summary>Reads the sequence number a header declares, without validating anything else.</summary>
    public static ulong PeekSequence(ReadOnlySpan<byte> header) => BinaryPrimitives.ReadUInt64LittleEndian(header[8..]);

    /// <summary>Reads the CRC-32C a header stores, without validating anything else.</summary>
    public static uint PeekChecksum(ReadOnlySpan<byte> header) => BinaryPrimitives.ReadUInt32LittleEndian(header);

    /// <summary>Parses and validates a complete record; false when the bytes are not a valid record.</summary>
    /// <param name="source">Bytes starting at the record; may extend past it.</param>
    /// <param name="maxPayload">The largest payload length accepted.</param>
    /// <param name="seq">The record's sequence number.</param>
    /// <param name="type">The delta kind.</param>
    /// <param name="nodeId">The subject node.</param>
    /// <param name="payload">Where the payload lies within <paramref name="source"/>.</param>
    /// <param name="hasData">Whether the record carries a payload.</param>
    /// <param name="recordLength">Total bytes of the record.</param>
    public static RecordStatus TryRead(
        ReadOnlySpan<byte> source, int maxPayload, out ulong seq, out DeltaType type, out uint nodeId,
        out Range payload, out bool hasData, out int recordLength)
    {
        seq = 0;
        type = DeltaType.None;
        nodeId = 0;
        payload = default;
        hasData = false;
        recordLength = 0;
        if (source.Length < HeaderSize)
        {
            return RecordStatus.Incomplete;
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(source[4..]);
        if (length > (uint)maxPayload)
        {
            return RecordStatus.Invalid;
        }

        var total = HeaderSize + (int)length;
        if (source.Length < total)
        {
            return RecordStatus.Incomplete;
        }

        var flags = source[17];
        if ((flags & ~FlagHasData) != 0 || source[18] != 0 || source[19] != 0)
        {
            return RecordStatus.Invalid;
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(source) != WalChecksum.Compute(source[4..total]))
        {
            return RecordStatus.Invalid;
        }

        hasData = (flags & FlagHasData) != 0;
        if (!hasData && length != 0)
        {
            return RecordStatus.Invalid;
        }

        seq = BinaryPrimitives.ReadUInt64LittleEndian(source[8..]);
        type = (DeltaType)source[16];
        nodeId = BinaryPrimitives.ReadUInt32LittleEndian(source[20..]);
        payload = new Range(HeaderSize, total);
        recordLength = total;
        return RecordStatus.Valid;
    }
}

/// <summary>The outcome of parsing bytes as a record.</summary>
internal enum RecordStatus
{
    /// <summary>A complete record whose checksum and fields are valid.</summary>
    Valid,

    /// <summary>Fewer bytes than the record declares: more input may complete it, or the tail is torn.</summary>
    Incomplete,

    /// <summary>The bytes are not a valid record.</summary>
    Invalid,
}

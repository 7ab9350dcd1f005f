using Registry.Persistence.Deltas;

namespace Registry.Persistence.Wal;

/// <summary>Encoded log records as they travel between logs (replication): validation, decoding and re-encoding.</summary>
public static class WalFrames
{
    /// <summary>Checks every record of <paramref name="frames"/> and that their sequence numbers run on from <paramref name="expectedFirst"/>; returns the range and count.</summary>
    /// <exception cref="WalCorruptionException">A record is damaged, truncated, or out of sequence.</exception>
    public static (ulong First, ulong Last, int Count) Validate(ReadOnlySpan<byte> frames, ulong expectedFirst, int maxPayloadBytes = WalOptions.DefaultMaxPayloadBytes, string source = "replication stream")
    {
        var expected = expectedFirst;
        var count = 0;
        var offset = 0;
        while (offset < frames.Length)
        {
            var status = RecordFrame.TryRead(frames[offset..], maxPayloadBytes, out var seq, out _, out _, out _, out _, out var length);
            if (status != RecordStatus.Valid)
            {
                throw new WalCorruptionException($"replicated record at offset {offset} is {(status == RecordStatus.Incomplete ? "truncated" : "damaged")}", source, offset, expected);
            }

            if (seq != expected)
            {
                throw new WalCorruptionException($"replicated record has sequence {seq} where {expected} was expected", source, offset, expected);
            }

            expected++;
            count++;
            offset += length;
        }

        return (expectedFirst, expected - 1, count);
    }

    /// <summary>Delivers each record of already validated <paramref name="frames"/>; <see cref="WalRecord.Offset"/> is the offset within them.</summary>
    public static void ForEach(ReadOnlyMemory<byte> frames, WalRecordHandler handler, int maxPayloadBytes = WalOptions.DefaultMaxPayloadBytes)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var offset = 0;
        while (offset < frames.Length)
        {
            var span = frames.Span[offset..];
            if (RecordFrame.TryRead(span, maxPayloadBytes, out var seq, out var type, out var nodeId, out var payload, out var hasData, out var length) != RecordStatus.Valid)
            {
                throw new WalCorruptionException("replicated record is damaged", "replication stream", offset, 0);
            }

            var data = hasData ? frames.Slice(offset + payload.Start.Value, payload.End.Value - payload.Start.Value) : ReadOnlyMemory<byte>.Empty;
            var record = new WalRecord("replication stream", offset, length - RecordFrame.HeaderSize, new DeltaEntry(seq, type, nodeId, data));
            handler(in record);
            offset += length;
        }
    }

    /// <summary>The offset in <paramref name="frames"/> of the first record whose sequence number is at least <paramref name="sequence"/> (the length when none is).</summary>
    public static int OffsetOf(ReadOnlySpan<byte> frames, ulong sequence)
    {
        var offset = 0;
        while (offset + RecordFrame.HeaderSize <= frames.Length)
        {
            var seq = RecordFrame.PeekSequence(frames[offset..]);
            if (seq >= sequence)
            {
                return offset;
            }

            offset += RecordFrame.SizeOf((int)RecordFrame.PeekLength(frames[offset..]));
        }

        return frames.Length;
    }

    /// <summary>The CRC-32C stored in the header of the record of <paramref name="frames"/> with sequence number <paramref name="sequence"/>, or null when none has it.</summary>
    /// <remarks>The frames must already be validated (a feed's memory, a batch just written).</remarks>
    public static uint? ChecksumOf(ReadOnlySpan<byte> frames, ulong sequence)
    {
        var offset = OffsetOf(frames, sequence);
        return offset + RecordFrame.HeaderSize <= frames.Length && RecordFrame.PeekSequence(frames[offset..]) == sequence
            ? RecordFrame.PeekChecksum(frames[offset..])
            : null;
    }

    /// <summary>Encodes one entry, keeping its sequence number, as a record (to send records read back from files).</summary>
    public static byte[] Encode(in DeltaEntry entry)
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>(RecordFrame.SizeOf(entry.Data.Length));
        Encode(entry, output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Encodes one entry, keeping its sequence number, at the end of <paramref name="output"/>.</summary>
    public static void Encode(in DeltaEntry entry, System.Buffers.IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var size = RecordFrame.SizeOf(entry.Data.Length);
        RecordFrame.Format(output.GetSpan(size), entry.SeqNo, entry.Type, entry.NodeId, entry.Data.Span, entry.HasData);
        output.Advance(size);
    }
}

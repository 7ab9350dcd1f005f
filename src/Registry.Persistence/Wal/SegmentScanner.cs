using System.Buffers;
using Registry.Persistence.Deltas;
using Registry.Persistence.IO;

namespace Registry.Persistence.Wal;

/// <summary>Reads one segment file front to back, delivering valid records and classifying any damage.</summary>
/// <remarks>
/// The first record that is incomplete, fails its checksum or carries an unexpected sequence number ends the
/// valid prefix. The bytes after it are then searched for any valid record with a later sequence number:
/// if one exists, the damage is corruption inside the log (refused by default, because silently skipping
/// it would lose acknowledged entries); if none exists, it is a torn tail left by a crash mid-append.
/// The scanner never writes.
/// </remarks>
internal static class SegmentScanner
{
    private const int ChunkSize = 1 << 20;

    /// <summary>Scans <paramref name="file"/>; <paramref name="onRecord"/> may be null to only validate.</summary>
    public static SegmentScan Scan(IStorageFile file, int maxPayload, WalRecordHandler? onRecord, CancellationToken cancellationToken = default)
    {
        var length = file.Length;
        Span<byte> header = stackalloc byte[SegmentHeader.Size];
        var headerRead = ReadFully(file, header, 0);
        if (!SegmentHeader.TryRead(header[..headerRead], out var firstSeq, out var headerError))
        {
            return new SegmentScan { Path = file.Path, HeaderError = headerError, FileLength = length, ValidEnd = 0 };
        }

        var scan = new SegmentScan
        {
            Path = file.Path,
            FirstSeq = firstSeq,
            LastSeq = firstSeq - 1,
            FileLength = length,
            ValidEnd = SegmentHeader.Size,
        };

        var capacity = Math.Max(ChunkSize, RecordFrame.SizeOf(maxPayload)) * 2;
        var buffer = ArrayPool<byte>.Shared.Rent(capacity);
        try
        {
            ReadRecords(file, buffer, maxPayload, scan, onRecord, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (scan.ValidEnd < length)
        {
            if (IsZeroFrom(file, scan.ValidEnd))
            {
                // The writer zero-fills ahead of itself so fdatasync need not commit a size change each time.
                scan.PreallocatedBytes = length - scan.ValidEnd;
                scan.DamageMessage = null;
            }
            else
            {
                Classify(file, maxPayload, scan);
            }
        }

        return scan;
    }

    private static void ReadRecords(IStorageFile file, byte[] buffer, int maxPayload, SegmentScan scan, WalRecordHandler? onRecord, CancellationToken cancellationToken)
    {
        var length = scan.FileLength;
        var pos = scan.ValidEnd;
        long bufferStart = pos;
        var bufferLength = 0;
        var expected = scan.FirstSeq;
        var checkedAt = 0L;

        while (pos < length)
        {
            var offsetInBuffer = (int)(pos - bufferStart);
            var available = buffer.AsSpan(offsetInBuffer, bufferLength - offsetInBuffer);
            var status = RecordFrame.TryRead(available, maxPayload, out var seq, out var type, out var nodeId, out var payload, out var hasData, out var recordLength);
            if (status == RecordStatus.Incomplete)
            {
                if (bufferStart + bufferLength >= length)
                {
                    scan.DamageMessage = $"incomplete record at offset {pos}: the file ends {length - pos} bytes into it";
                    return;
                }

                // Move the partial record to the front and read more after it.
                available.CopyTo(buffer);
                bufferStart = pos;
                bufferLength = available.Length;
                bufferLength += ReadFully(file, buffer.AsSpan(bufferLength), bufferStart + bufferLength);
                continue;
            }

            if (status == RecordStatus.Invalid)
            {
                scan.DamageMessage = $"invalid record at offset {pos}: checksum or header mismatch";
                return;
            }

            if (seq != expected)
            {
                scan.DamageMessage = $"record at offset {pos} has sequence {seq} where {expected} was expected";
                return;
            }

            if (onRecord is not null)
            {
                var data = hasData ? new ReadOnlyMemory<byte>(buffer, offsetInBuffer + payload.Start.Value, payload.End.Value - payload.Start.Value) : ReadOnlyMemory<byte>.Empty;
                var record = new WalRecord(scan.Path, pos, recordLength - RecordFrame.HeaderSize, new DeltaEntry(seq, type, nodeId, data));
                onRecord(in record);
            }

            pos += recordLength;
            scan.ValidEnd = pos;
            scan.LastSeq = seq;
            scan.Records++;
            expected = seq + 1;
            if (pos - checkedAt > 64 * ChunkSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                checkedAt = pos;
            }
        }
    }

    /// <summary>Decides whether the invalid bytes after the valid prefix hide a later valid record.</summary>
    private static void Classify(IStorageFile file, int maxPayload, SegmentScan scan)
    {
        var found = FindLaterRecord(file, maxPayload, scan.ValidEnd + 1, scan.LastSeq + 1);
        if (found >= 0)
        {
            scan.Damage = SegmentDamage.Corruption;
            scan.DamageMessage = $"{scan.DamageMessage}; a valid record follows at offset {found}, so this is corruption inside the log, not a torn tail (expected sequence {scan.LastSeq + 1})";
        }
        else
        {
            scan.Damage = SegmentDamage.TornTail;
            scan.DamageMessage ??= $"torn tail at offset {scan.ValidEnd}";
        }
    }

    /// <summary>The offset of the first valid record at or after <paramref name="start"/> with a sequence of at least <paramref name="minSeq"/>, or -1.</summary>
    private static long FindLaterRecord(IStorageFile file, int maxPayload, long start, ulong minSeq)
    {
        var length = file.Length;
        var window = ChunkSize;
        var span = window + RecordFrame.SizeOf(maxPayload);
        var buffer = ArrayPool<byte>.Shared.Rent(span);
        try
        {
            for (var windowStart = start; windowStart + RecordFrame.HeaderSize <= length; windowStart += window)
            {
                var read = ReadFully(file, buffer.AsSpan(0, (int)Math.Min(span, length - windowStart)), windowStart);
                var limit = Math.Min(window, read - RecordFrame.HeaderSize + 1);
                for (var i = 0; i < limit; i++)
                {
                    var status = RecordFrame.TryRead(buffer.AsSpan(i, read - i), maxPayload, out var seq, out _, out _, out _, out _, out _);
                    if (status == RecordStatus.Valid && seq >= minSeq)
                    {
                        return windowStart + i;
                    }
                }
            }

            return -1;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Whether every byte from <paramref name="start"/> to the end of the file is zero.</summary>
    private static bool IsZeroFrom(IStorageFile file, long start)
    {
        var length = file.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            for (var pos = start; pos < length;)
            {
                var n = ReadFully(file, buffer.AsSpan(0, (int)Math.Min(ChunkSize, length - pos)), pos);
                if (n == 0 || buffer.AsSpan(0, n).ContainsAnyExcept((byte)0))
                {
                    return n == 0;
                }

                pos += n;
            }

            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Whether the damage found in segment <paramref name="index"/> of <paramref name="segmentPaths"/> lies only in space
    /// no record used: the segment is sealed (not the last), nothing valid follows the damage, and the next segment
    /// starts right after the last valid record.
    /// </summary>
    public static bool DamageIsInUnusedSpace(SegmentScan scan, IStorage storage, IReadOnlyList<string> segmentPaths, int index) =>
        scan.Damage == SegmentDamage.TornTail && index + 1 < segmentPaths.Count
        && StartsAt(storage, segmentPaths[index + 1], scan.LastSeq + 1);

    /// <summary>Whether the segment at <paramref name="path"/> has a valid header naming <paramref name="firstSeq"/> as its first sequence number.</summary>
    private static bool StartsAt(IStorage storage, string path, ulong firstSeq)
    {
        using var file = storage.Open(path, writable: false);
        Span<byte> header = stackalloc byte[SegmentHeader.Size];
        var read = ReadFully(file, header, 0);
        return SegmentHeader.TryRead(header[..read], out var first, out _) && first == firstSeq;
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the file ends; returns the bytes read.</summary>
    public static int ReadFully(IStorageFile file, Span<byte> buffer, long offset)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = file.Read(buffer[total..], offset + total);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }
}

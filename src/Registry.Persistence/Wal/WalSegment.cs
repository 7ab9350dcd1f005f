using Registry.Persistence.IO;

namespace Registry.Persistence.Wal;

/// <summary>One segment file of an open log: its sequence range and size.</summary>
internal sealed class WalSegment(string path, ulong firstSeq, ulong lastSeq, long length)
{
    /// <summary>Segment files are named by their first sequence number, zero-padded so names sort numerically.</summary>
    public const string Extension = ".wal";

    /// <summary>The file.</summary>
    public string Path { get; } = path;

    /// <summary>The first sequence number the segment holds.</summary>
    public ulong FirstSeq { get; } = firstSeq;

    /// <summary>The last sequence number written to it, or <see cref="FirstSeq"/> - 1 when empty.</summary>
    public ulong LastSeq { get; set; } = lastSeq;

    /// <summary>Bytes in the file, header included.</summary>
    public long Length { get; set; } = length;

    /// <summary>The file's physical length: records plus zero-filled space preallocated after them.</summary>
    public long Allocated { get; set; } = length;

    /// <summary>The end of the records acknowledged to appenders; readers never go past it.</summary>
    public long AcknowledgedLength { get; set; } = length;

    /// <summary>The writable handle while this is the active segment; null once closed.</summary>
    public IStorageFile? Writer { get; set; }

    /// <summary>Whether the segment holds at least one record.</summary>
    public bool HasRecords => LastSeq >= FirstSeq;

    /// <summary>The file name of the segment that starts at <paramref name="firstSeq"/>.</summary>
    public static string FileName(ulong firstSeq) => firstSeq.ToString("D20", System.Globalization.CultureInfo.InvariantCulture) + Extension;

    /// <summary>Whether <paramref name="fileName"/> has the shape of a segment name.</summary>
    public static bool IsSegmentName(string fileName) =>
        fileName.Length == 20 + Extension.Length
        && fileName.EndsWith(Extension, StringComparison.Ordinal)
        && fileName.AsSpan(0, 20).ContainsAnyExceptInRange('0', '9') == false;
}

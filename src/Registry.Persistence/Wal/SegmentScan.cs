namespace Registry.Persistence.Wal;

/// <summary>What a scan of one segment file found.</summary>
internal sealed class SegmentScan
{
    /// <summary>The segment file.</summary>
    public required string Path { get; init; }

    /// <summary>Why the header is unusable, or null when it is valid.</summary>
    public string? HeaderError { get; init; }

    /// <summary>The first sequence number the header declares.</summary>
    public ulong FirstSeq { get; init; }

    /// <summary>The sequence number of the last valid record, or <see cref="FirstSeq"/> - 1 when there is none.</summary>
    public ulong LastSeq { get; set; }

    /// <summary>Valid records delivered.</summary>
    public long Records { get; set; }

    /// <summary>Offset just past the last valid record (the header size when there is none).</summary>
    public long ValidEnd { get; set; }

    /// <summary>The file's length when scanned.</summary>
    public long FileLength { get; init; }

    /// <summary>Zero bytes after <see cref="ValidEnd"/>: space preallocated by the writer, not damage.</summary>
    public long PreallocatedBytes { get; set; }

    /// <summary>The damage found after <see cref="ValidEnd"/>, if any.</summary>
    public SegmentDamage Damage { get; set; }

    /// <summary>What the damage is, in words.</summary>
    public string? DamageMessage { get; set; }
}

/// <summary>The classes of damage a segment scan distinguishes.</summary>
internal enum SegmentDamage
{
    /// <summary>Every byte after the header is a valid record.</summary>
    None,

    /// <summary>The file ends in bytes that are not a valid record and nothing valid follows them.</summary>
    TornTail,

    /// <summary>An invalid record is followed by a valid one: corruption inside the segment.</summary>
    Corruption,
}

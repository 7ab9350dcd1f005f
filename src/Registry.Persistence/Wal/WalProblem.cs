namespace Registry.Persistence.Wal;

/// <summary>Something a log reader could not deliver: where it is, what kind of damage, and a readable message.</summary>
public sealed record WalProblem(long Offset, WalProblemKind Kind, string Message)
{
    /// <summary>The file the problem is in, when the reader knows it.</summary>
    public string? FilePath { get; init; }
}

/// <summary>The kinds of damage a log reader reports.</summary>
public enum WalProblemKind
{
    /// <summary>A record with intact framing whose body does not decode; the reader skipped it and went on.</summary>
    SkippedRecord,

    /// <summary>The log ends in an incomplete or invalid record with nothing valid after it (a crash mid-append).</summary>
    TornTail,

    /// <summary>A record's declared length exceeds the entry limit; reading stopped there.</summary>
    Oversize,

    /// <summary>A damaged record followed by valid ones: corruption inside the log, not a torn tail.</summary>
    Corruption,

    /// <summary>Non-zero bytes in the unused space after the last record of a sealed segment whose successor continues the sequence; no record is lost, the bytes are set aside.</summary>
    UnusedSpaceDamage,

    /// <summary>A file or segment header that is missing, unknown or damaged.</summary>
    BadHeader,

    /// <summary>Sequence numbers that do not strictly increase, or a gap between segments.</summary>
    SequenceGap,
}

namespace Registry.Persistence.Wal;

/// <summary>What opening a log found and repaired; one report per open, for the caller to log.</summary>
public sealed class WalOpenReport
{
    /// <summary>Segment files found.</summary>
    public int Segments { get; init; }

    /// <summary>Valid records across all segments after repair.</summary>
    public long Records { get; init; }

    /// <summary>The first sequence number still in the log.</summary>
    public ulong FirstSequence { get; init; }

    /// <summary>The last sequence number in the log, or <see cref="FirstSequence"/> - 1 when empty.</summary>
    public ulong LastSequence { get; init; }

    /// <summary>Bytes cut from the end of the log (a torn tail or a discarded corrupt suffix).</summary>
    public long BytesCut { get; init; }

    /// <summary>Files holding the bytes that were cut, kept for inspection.</summary>
    public IReadOnlyList<string> SideFiles { get; init; } = [];

    /// <summary>Problems found, each with file and offset; empty for a clean log.</summary>
    public IReadOnlyList<WalProblem> Problems { get; init; } = [];

    /// <summary>True when the log was created by this open.</summary>
    public bool Created { get; init; }
}

namespace Registry.Persistence.Wal;

/// <summary>What a read-only pass over a log (either format) found.</summary>
public sealed class WalReadResult
{
    /// <summary>"legacy" for the Go format, or the new format's name.</summary>
    public required string Format { get; init; }

    /// <summary>Entries delivered.</summary>
    public long Entries { get; init; }

    /// <summary>Total bytes of the files read.</summary>
    public long FileBytes { get; init; }

    /// <summary>Bytes up to the end of the last deliverable record, summed over files.</summary>
    public long ValidBytes { get; init; }

    /// <summary>Whether the log ends in a torn record that a repair would cut.</summary>
    public bool TornTail { get; init; }

    /// <summary>Every problem found, with file and offset.</summary>
    public IReadOnlyList<WalProblem> Problems { get; init; } = [];

    /// <summary>The first and last sequence numbers delivered (0 when none).</summary>
    public (ulong First, ulong Last) Sequences { get; init; }

    /// <summary>True when nothing was skipped, torn or corrupt.</summary>
    public bool Intact => Problems.Count == 0;
}

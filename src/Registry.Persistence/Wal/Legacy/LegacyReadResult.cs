namespace Registry.Persistence.Wal.Legacy;

/// <summary>What a pass of <see cref="LegacyWalReader.Read"/> or <see cref="LegacyWalReader.Replay"/> found: the Go-compatible outcome plus details for tools.</summary>
/// <remarks>
/// <see cref="Count"/> and <see cref="Error"/> are exactly what Go's <c>Replay</c> returns given the same
/// apply outcomes (for <see cref="LegacyWalReader.Read"/>, an apply that always succeeds). A torn length prefix (1–3 bytes) is a clean end for Go, so it leaves
/// <see cref="Error"/> null but still sets <see cref="TornTail"/> and adds a problem.
/// </remarks>
public sealed class LegacyReadResult
{
    /// <summary>Creates a result.</summary>
    public LegacyReadResult(int count, IReadOnlyList<WalProblem> problems, bool problemsTruncated, int skippedCount, long fileBytes, long validBytes, bool tornTail, string? error)
    {
        Count = count;
        Problems = problems;
        ProblemsTruncated = problemsTruncated;
        SkippedCount = skippedCount;
        FileBytes = fileBytes;
        ValidBytes = validBytes;
        TornTail = tornTail;
        Error = error;
    }

    /// <summary>Entries delivered to the callback; skipped records are not counted (Go's replay count).</summary>
    public int Count { get; }

    /// <summary>Damage found, in file order; at most <see cref="LegacyWalReader.MaxReportedProblems"/> entries.</summary>
    public IReadOnlyList<WalProblem> Problems { get; }

    /// <summary>Records whose framing was intact but whose body did not decode; all of them, even beyond the problem list's cap.</summary>
    public int SkippedCount { get; }

    /// <summary>Whether <see cref="Problems"/> was cut short at <see cref="LegacyWalReader.MaxReportedProblems"/>.</summary>
    public bool ProblemsTruncated { get; }

    /// <summary>The file's size when reading started; bytes appended later are not read.</summary>
    public long FileBytes { get; }

    /// <summary>End offset of the last complete record, skipped records included; an append-safe truncation point.</summary>
    public long ValidBytes { get; }

    /// <summary>Bytes after <see cref="ValidBytes"/> that were never turned into an entry or a skipped record.</summary>
    public long UnconsumedBytes => FileBytes - ValidBytes;

    /// <summary>Whether the file ends in an incomplete record (a partial length prefix or a short body).</summary>
    public bool TornTail { get; }

    /// <summary>The exact error text Go's replay returns for this file, or null when it returns none.</summary>
    public string? Error { get; }
}

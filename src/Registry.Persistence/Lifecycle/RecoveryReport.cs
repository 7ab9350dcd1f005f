using Registry.Persistence.Snapshots;
using Registry.Persistence.Wal;

namespace Registry.Persistence.Lifecycle;

/// <summary>What recovery did, for one structured log line and for <c>registry inspect</c>.</summary>
public sealed class RecoveryReport
{
    /// <summary>"pilot" for our layout, "go" for a Go data directory being migrated, "empty" for a new directory.</summary>
    public required string Layout { get; init; }

    /// <summary>The snapshot generation used, with why it was chosen and any generation refused.</summary>
    public required SnapshotLoadResult Snapshot { get; init; }

    /// <summary>The sequence number the snapshot covers (0 when there is none).</summary>
    public ulong SnapshotSequence { get; init; }

    /// <summary>Log entries applied on top of the snapshot.</summary>
    public long Replayed { get; init; }

    /// <summary>Log entries skipped because the snapshot already contains them.</summary>
    public long Skipped { get; init; }

    /// <summary>The last sequence number applied.</summary>
    public ulong LastSequence { get; init; }

    /// <summary>Bytes cut from the log's tail (or, read-only, that would be cut).</summary>
    public long BytesCut { get; init; }

    /// <summary>Problems found in the log.</summary>
    public IReadOnlyList<WalProblem> LogProblems { get; init; } = [];

    /// <summary>Side files holding bytes cut from the log.</summary>
    public IReadOnlyList<string> SideFiles { get; init; } = [];

    /// <summary>For a Go layout: the error the Go replay stopped at, or null.</summary>
    public string? LegacyReplayError { get; init; }

    /// <summary>Time spent recovering.</summary>
    public TimeSpan Duration { get; init; }
}

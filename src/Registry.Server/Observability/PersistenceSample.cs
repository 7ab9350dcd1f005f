namespace Registry.Server.Observability;

/// <summary>One reading of the WAL and Store numbers operators alert on (design brief §6); filled by the backend from <c>store.Log</c> and <c>store.Statistics</c>.</summary>
public sealed record PersistenceSample
{
    /// <summary>Last sequence number appended.</summary>
    public ulong AppendedSequence { get; init; }

    /// <summary>Last sequence number durable on disk.</summary>
    public ulong DurableSequence { get; init; }

    /// <summary>Bytes in the log.</summary>
    public long LogBytes { get; init; }

    /// <summary>Log records written since the last snapshot.</summary>
    public long RecordsSinceSnapshot { get; init; }

    /// <summary>Group-commit batches written since start.</summary>
    public long Batches { get; init; }

    /// <summary>fsyncs issued since start.</summary>
    public long Syncs { get; init; }

    /// <summary>Snapshots saved since start.</summary>
    public long SnapshotSaves { get; init; }

    /// <summary>Of <see cref="SnapshotSaves"/>, those that did not wait for the save interval (the log grew past a threshold).</summary>
    public long SnapshotUrgentSaves { get; init; }

    /// <summary>Snapshot saves that failed since start.</summary>
    public long SnapshotFailures { get; init; }

    /// <summary>Duration of the last snapshot save.</summary>
    public TimeSpan LastSnapshotDuration { get; init; }

    /// <summary>Duration of startup recovery (snapshot load + replay).</summary>
    public TimeSpan RecoveryDuration { get; init; }

    /// <summary>True when the log is poisoned (fail-stop after an I/O error).</summary>
    public bool Poisoned { get; init; }

    /// <summary>Connected replication subscribers (primary).</summary>
    public int ReplicationSubscribers { get; init; }

    /// <summary>On a standby, how long it has lacked something its primary had (zero while it holds everything announced); null on a primary.</summary>
    public TimeSpan? ReplicationLag { get; init; }

    /// <summary>On a standby, the time since its primary was last heard from; null on a primary or before the first contact.</summary>
    public TimeSpan? SincePrimary { get; init; }

    /// <summary>On a standby, how many records it is behind its primary (null on a primary).</summary>
    public ulong? ReplicationLagSequences { get; init; }

    /// <summary>On a standby, true once its primary refused it because their histories diverged (until restart).</summary>
    public bool ReplicationDiverged { get; init; }

    /// <summary>On a synchronous primary, the highest sequence that the required number of standbys confirmed holding durably (null otherwise).</summary>
    public ulong? ReplicationConfirmedSequence { get; init; }

    /// <summary>On a synchronous primary, the standbys connected and confirming.</summary>
    public int ReplicationConfirmingStandbys { get; init; }

    /// <summary>On a primary with <c>MinStandbysToWrite</c>, the standbys heard from within its lag (writes are refused below the minimum).</summary>
    public int ReplicationStandbysHeard { get; init; }
}

namespace Registry.Persistence.Wal;

/// <summary>When an acknowledged append is on stable storage.</summary>
public enum WalDurability
{
    /// <summary>Every append is fsync'd before it completes (default). Nothing acknowledged can be lost.</summary>
    Always,

    /// <summary>Appends complete once written; the log is fsync'd at most <see cref="WalOptions.SyncInterval"/> later. A power cut can lose that window.</summary>
    Interval,

    /// <summary>Appends complete once written and are never fsync'd before close. For tests and benchmarks only.</summary>
    None,
}

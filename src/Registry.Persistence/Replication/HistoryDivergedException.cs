namespace Registry.Persistence.Replication;

/// <summary>
/// A standby's record <see cref="Sequence"/> differs from the primary's record with the same number: the two logs
/// no longer share a history (two primaries took writes), so appending the primary's later records would build a
/// state that never existed anywhere.
/// </summary>
/// <remarks>Not repaired automatically: the standby's own records were acknowledged to someone, so an operator decides.</remarks>
public sealed class HistoryDivergedException(ulong sequence)
    : PersistenceException($"replication history diverged at sequence {sequence}")
{
    /// <summary>The sequence number whose records differ (the standby's last record when it subscribed).</summary>
    public ulong Sequence { get; } = sequence;
}

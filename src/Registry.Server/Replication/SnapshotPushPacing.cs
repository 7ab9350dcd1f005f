namespace Registry.Server.Replication;

/// <summary>
/// When a snapshot-only (Go) standby may be sent its next full snapshot: on Go's push tick, and no sooner than
/// <see cref="CostFactor"/> − 1 times what the last push took after it ended, so that pushing takes at most a
/// <see cref="CostFactor"/>th of the time.
/// </summary>
/// <remarks>
/// Go pushes a full snapshot every second while anything changes. For a small registry that is cheap; for a large one
/// each push captures the registry (a pause under its lock), encodes and sends it whole: one Go standby of a 237k-node
/// primary under register load took a third of its throughput. Paced by cost, such a standby gets a snapshot every few
/// seconds instead (it is as current as the snapshots it gets, no more: the price of following without deltas).
/// </remarks>
internal sealed class SnapshotPushPacing(TimeProvider time)
{
    /// <summary>Pushing takes at most this share (1/N) of the time.</summary>
    public const int CostFactor = 10;

    // Waits shorter than this make no difference to a standby pushed on Go's 1 s tick: not worth a log line.
    private static readonly TimeSpan NoticeableWait = TimeSpan.FromSeconds(1);

    private long _notBefore;
    private TimeSpan _reported;

    /// <summary>Whether the next push may start now.</summary>
    public bool IsDue => time.GetTimestamp() >= _notBefore;

    /// <summary>A push that started at <paramref name="startedAt"/> (a <see cref="TimeProvider"/> timestamp) has just ended.</summary>
    /// <returns>The wait before the next push when it is worth telling an operator (first beyond a second, then whenever it halves or doubles); otherwise null.</returns>
    public TimeSpan? Pushed(long startedAt)
    {
        var now = time.GetTimestamp();
        var cost = Math.Max(0, now - startedAt);
        _notBefore = now + ((CostFactor - 1) * cost);
        var wait = time.GetElapsedTime(now, _notBefore);
        var worthTelling = _reported == TimeSpan.Zero ? wait >= NoticeableWait : wait >= _reported * 2 || wait <= _reported / 2;
        if (!worthTelling)
        {
            return null;
        }

        _reported = wait;
        return wait;
    }
}

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

    private long _notBefore;

    /// <summary>Whether the next push may start now.</summary>
    public bool IsDue => time.GetTimestamp() >= _notBefore;

    /// <summary>A push that started at <paramref name="startedAt"/> (a <see cref="TimeProvider"/> timestamp) has just ended.</summary>
    public void Pushed(long startedAt)
    {
        var now = time.GetTimestamp();
        _notBefore = now + ((CostFactor - 1) * Math.Max(0, now - startedAt));
    }
}

using Registry.Persistence.Lifecycle;
using Registry.Persistence.Snapshots.Model;
using Registry.Persistence.Wal;

namespace Registry.Persistence.Replication;

/// <summary>The standby side of replication: installs a primary's snapshot, then appends and applies its delta chunks, persisting both.</summary>
/// <remarks>
/// <para><b>Durability.</b> A chunk is appended to the standby's own log with the primary's sequence numbers (every
/// checksum and the continuity checked first), applied to the state, and <see cref="ApplyChunkAsync"/> returns when it
/// is durable. A standby that restarts recovers like any registry and resumes from <see cref="NextSequence"/>.</para>
/// <para><b>Threading.</b> One caller at a time (the replication connection's loop).</para>
/// </remarks>
public sealed class StandbyReplica(Store store, IStateMachine machine)
{
    /// <summary>The sequence number the primary should stream from next: one past the last one this standby holds.</summary>
    public ulong NextSequence => store.Log.AppendedSequence + 1;

    /// <summary>The last sequence this standby holds durably (its log's acknowledged records, or the snapshot it installed last).</summary>
    public ulong DurableSequence => store.Log.AcknowledgedSequence;

    /// <summary>
    /// The CRC-32C of this standby's last record (<see cref="NextSequence"/> - 1), sent when subscribing so the primary
    /// can tell whether their histories match; null when the log does not hold it (right after a snapshot install, or
    /// once compaction removed it), and then no check is possible.
    /// </summary>
    /// <remarks>Reads the segment holding the record back from disk: call once per subscription, not per chunk.</remarks>
    public uint? PreviousChecksum => NextSequence > 1 ? store.Log.ChecksumOf(NextSequence - 1) : null;

    /// <summary>Replaces everything with the primary's snapshot (first contact, or when the primary no longer has the log this standby needs).</summary>
    /// <returns>Side files holding records this standby had beyond the snapshot (it was ahead of the primary); usually none.</returns>
    public Task<IReadOnlyList<string>> InstallSnapshotAsync(Snapshot snapshot, CancellationToken cancellationToken = default) =>
        store.InstallSnapshotAsync(snapshot, cancellationToken);

    /// <summary>Appends the chunk's records to the log, applies them, and completes when they are durable.</summary>
    /// <exception cref="WalCorruptionException">A record is damaged or does not continue this standby's sequence; nothing was appended or applied.</exception>
    public async Task ApplyChunkAsync(ReplicationChunk chunk, CancellationToken cancellationToken = default) =>
        await ApplyChunk(chunk).WaitAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Appends the chunk's records to the log and applies them before returning; the task completes when they are durable.</summary>
    /// <remarks>
    /// Lets the caller take the next chunk while this one's write is in flight, so consecutive chunks share one sync
    /// instead of each waiting for its own. Reads on a standby wait for durability (they cover what they saw), so no
    /// client sees a record this standby could still lose; a crash loses at most the records not yet synced, which the
    /// primary streams again from <see cref="NextSequence"/>. Acknowledgements complete in sequence order.
    /// </remarks>
    /// <exception cref="WalCorruptionException">A record is damaged or does not continue this standby's sequence; nothing was appended or applied.</exception>
    /// <exception cref="WalPoisonedException">The log failed earlier; nothing was appended or applied.</exception>
    public Task ApplyChunk(ReplicationChunk chunk)
    {
        var ticket = store.Log.EnqueueReplicated(chunk.Frames.Span);
        WalFrames.ForEach(chunk.Frames, (in WalRecord record) => machine.Apply(record.Entry));
        store.TriggerSave();
        return ticket.Acknowledged;
    }
}

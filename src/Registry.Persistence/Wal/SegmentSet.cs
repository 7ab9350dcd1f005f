using Registry.Persistence.IO;

namespace Registry.Persistence.Wal;

/// <summary>The segment files of an open log: the active one being appended to, the closed ones before it, and their positions.</summary>
/// <remarks>
/// Every member is called with <see cref="Gate"/> held. Only the flusher writes, so the file I/O here never
/// contends with appenders, who only take the log's append lock. Written, durable and acknowledged positions
/// are kept apart: a batch is written, then synced, then acknowledged, and readers stop at the acknowledged end.
/// </remarks>
internal sealed class SegmentSet(WalOptions options, List<WalSegment> segments, Action<long> sizeChanged) : IDisposable
{
    private const int PreallocationChunk = 1024 * 1024;
    private static readonly byte[] ZeroChunk = new byte[PreallocationChunk];
    private readonly IStorage _storage = options.Storage;
    private ulong _writtenSeq = segments[^1].LastSeq;
    private ulong _durableSeq = segments[^1].LastSeq;
    private long _lastSyncTimestamp = options.TimeProvider.GetTimestamp();
    private long _syncs;

    /// <summary>The lock every member expects to be held.</summary>
    public Lock Gate { get; } = new();

    /// <summary>The last sequence number written (not necessarily durable).</summary>
    public ulong WrittenSequence => Volatile.Read(ref _writtenSeq);

    /// <summary>The last sequence number made durable by a sync.</summary>
    public ulong DurableSequence => Volatile.Read(ref _durableSeq);

    /// <summary>Syncs made since open.</summary>
    public long Syncs => Interlocked.Read(ref _syncs);

    /// <summary>When the last sync completed, as a <see cref="TimeProvider"/> timestamp.</summary>
    public long LastSyncTimestamp => Volatile.Read(ref _lastSyncTimestamp);

    /// <summary>The oldest segment's first sequence number.</summary>
    public ulong FirstSequence => segments[0].FirstSeq;

    /// <summary>A copy of the segment list.</summary>
    public IReadOnlyList<(string Path, ulong FirstSeq, ulong LastSeq, long Length)> Describe() =>
        segments.Select(s => (s.Path, s.FirstSeq, s.LastSeq, s.Length)).ToList();

    /// <summary>Writes a batch at the end of the active segment (rotating first if it would grow past the segment size) and syncs it when asked.</summary>
    public void Write(AppendBatch batch, bool sync)
    {
        var active = segments[^1];
        if (active.HasRecords && active.Length + batch.Length > options.SegmentSizeBytes)
        {
            Rotate();
            active = segments[^1];
        }

        active.Writer!.Write(batch.Bytes, active.Length);
        active.Length += batch.Length;
        Preallocate(active);
        active.LastSeq = batch.LastSeq;
        Volatile.Write(ref _writtenSeq, batch.LastSeq);
        if (sync)
        {
            SyncActive();
        }

        active.AcknowledgedLength = active.Length;
    }

    /// <summary>Syncs the active segment if anything written is not yet durable.</summary>
    public void SyncActive()
    {
        var target = _writtenSeq;
        if (_durableSeq == target)
        {
            return;
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        segments[^1].Writer!.Sync();
        Diagnostics.PersistenceMetrics.FsyncDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        Interlocked.Increment(ref _syncs);
        Volatile.Write(ref _lastSyncTimestamp, options.TimeProvider.GetTimestamp());
        Volatile.Write(ref _durableSeq, target);
    }

    /// <summary>Makes the active segment durable, then starts a new one after it; returns the new segment's first sequence number.</summary>
    /// <remarks>An empty active segment is kept as it is.</remarks>
    public ulong Rotate()
    {
        var old = segments[^1];
        if (!old.HasRecords)
        {
            return old.FirstSeq;
        }

        SyncActive();
        var next = WalRecovery.CreateSegment(_storage, options.Directory, old.LastSeq + 1);
        old.Writer?.Dispose();
        old.Writer = null;
        segments.Add(next);
        sizeChanged(next.Length);
        return next.FirstSeq;
    }

    /// <summary>Deletes closed segments, oldest first, whose records all have sequence numbers at or below <paramref name="sequence"/>.</summary>
    public int DeleteThrough(ulong sequence)
    {
        var deleted = 0;
        while (segments.Count > 1 && segments[0].LastSeq <= sequence)
        {
            var segment = segments[0];
            _storage.Delete(segment.Path);
            segments.RemoveAt(0);
            sizeChanged(-segment.Length);
            deleted++;
        }

        if (deleted > 0)
        {
            _storage.SyncDirectory(options.Directory);
        }

        return deleted;
    }

    /// <summary>Replaces every segment by one new, empty segment whose first record will have <paramref name="sequence"/> + 1.</summary>
    /// <remarks>
    /// The old segments go first (the new one may have the same name): a crash in between leaves an empty log, which
    /// recovery recreates after the snapshot that made the old records redundant.
    /// </remarks>
    public IReadOnlyList<string> RestartAfter(ulong sequence)
    {
        SyncActive();
        long removed = 0;
        var setAside = new List<string>();
        foreach (var old in segments)
        {
            old.Writer?.Dispose();
            old.Writer = null;
            if (old.HasRecords && old.LastSeq > sequence)
            {
                // Records the new starting point does not cover (a standby that was ahead of the primary whose
                // snapshot it installs: an old primary's own writes). They were acknowledged to someone, so they are
                // moved beside the log, out of recovery's way, never deleted.
                setAside.Add(SideFile.CutTail(_storage, old.Path, 0, "discarded", deleteFile: true, out _) ?? old.Path);
            }
            else
            {
                _storage.Delete(old.Path);
            }

            removed += old.Length;
        }

        segments.Clear();
        _storage.SyncDirectory(options.Directory);
        var next = WalRecovery.CreateSegment(_storage, options.Directory, sequence + 1);
        segments.Add(next);
        sizeChanged(next.Length - removed);
        Volatile.Write(ref _writtenSeq, sequence);
        Volatile.Write(ref _durableSeq, sequence);
        return setAside;
    }

    /// <summary>Which files to read, and up to where, for records at or above <paramref name="fromSequence"/>.</summary>
    public List<(string Path, long Limit)> ReadPlan(ulong fromSequence) =>
        segments.Where(s => s.LastSeq >= fromSequence && s.HasRecords).Select(s => (s.Path, s.AcknowledgedLength)).ToList();

    /// <summary>Closes every file handle.</summary>
    public void Dispose()
    {
        foreach (var segment in segments)
        {
            segment.Writer?.Dispose();
            segment.Writer = null;
        }
    }

    /// <summary>Zero-fills the next chunk ahead of the write position.</summary>
    /// <remarks>
    /// Overwriting space that already exists lets fdatasync skip committing a new file size, which measured
    /// about twice as fast on ext4 for batch-sized writes; recovery reads an all-zero remainder as a clean end.
    /// </remarks>
    private static void Preallocate(WalSegment segment)
    {
        if (segment.Length + (PreallocationChunk / 2) <= segment.Allocated)
        {
            return;
        }

        var from = Math.Max(segment.Allocated, segment.Length);
        segment.Writer!.Write(ZeroChunk, from);
        segment.Allocated = from + PreallocationChunk;
    }
}

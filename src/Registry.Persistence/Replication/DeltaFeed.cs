using Registry.Persistence.Wal;

namespace Registry.Persistence.Replication;

/// <summary>Serves a primary's acknowledged log records to standbys: recent batches from memory, older ones from the log files.</summary>
/// <remarks>
/// Only acknowledged records are ever sent (durable, in <see cref="WalDurability.Always"/> mode), so a standby never
/// holds a mutation the primary could still lose. A subscriber asking for records the log has already deleted (or
/// for records beyond the primary's log) gets <see cref="SnapshotRequiredException"/> and must start from a full snapshot.
/// A subscriber that names the checksum of its record before the first one it asks for is streamed to only when the
/// primary's record there matches; otherwise it gets <see cref="HistoryDivergedException"/> and nothing.
/// </remarks>
public sealed class DeltaFeed : IDisposable
{
    private const int CoalescedBytes = 1024 * 1024;
    private readonly WriteAheadLog _log;
    private readonly long _memoryBytes;
    private readonly int _subscriberCapacity;
    private readonly Lock _lock = new();
    private readonly LinkedList<ReplicationChunk> _recent = new();
    private readonly List<DeltaSubscription> _subscribers = [];
    private long _recentBytes;

    /// <summary>Attaches a feed to <paramref name="log"/>, keeping up to <paramref name="memoryBytes"/> of recent records in memory.</summary>
    public DeltaFeed(WriteAheadLog log, long memoryBytes = 32L * 1024 * 1024, int subscriberCapacity = 4096)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentOutOfRangeException.ThrowIfLessThan(memoryBytes, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(subscriberCapacity, 1);
        _log = log;
        _memoryBytes = memoryBytes;
        _subscriberCapacity = subscriberCapacity;
        log.SetBatchListener(OnBatch);
    }

    /// <summary>The primary's last acknowledged sequence number (what a caught-up standby holds).</summary>
    public ulong AcknowledgedSequence => _log.AcknowledgedSequence;

    /// <summary>The number of subscribers.</summary>
    public int Subscribers
    {
        get
        {
            lock (_lock)
            {
                return _subscribers.Count;
            }
        }
    }

    /// <summary>Starts a stream of every acknowledged record from <paramref name="fromSequence"/> on.</summary>
    /// <param name="fromSequence">The first sequence number to deliver.</param>
    /// <param name="previousChecksum">
    /// The CRC-32C of the subscriber's own record <paramref name="fromSequence"/> - 1, when it has one: the stream starts
    /// only if the primary's record there has the same checksum (the two histories match up to it). Null skips the check.
    /// </param>
    /// <exception cref="SnapshotRequiredException">
    /// The log no longer holds <paramref name="fromSequence"/> (or, with a checksum to compare, the record before it), or never had it.
    /// </exception>
    /// <exception cref="HistoryDivergedException">The primary's record <paramref name="fromSequence"/> - 1 differs from the subscriber's.</exception>
    public DeltaSubscription Subscribe(ulong fromSequence, uint? previousChecksum = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(fromSequence);
        if (previousChecksum is { } expected && fromSequence > 1)
        {
            CheckHistory(fromSequence - 1, expected);
        }

        var subscription = new DeltaSubscription(fromSequence, _subscriberCapacity, Remove);
        ulong memoryStart;
        lock (_lock)
        {
            var acknowledged = _log.AcknowledgedSequence;
            if (fromSequence > acknowledged + 1)
            {
                throw new SnapshotRequiredException($"requested sequence {fromSequence} is beyond the primary's log (last {acknowledged}); the standby diverged");
            }

            memoryStart = _recent.First?.Value.FirstSeq ?? acknowledged + 1;
            if (fromSequence >= memoryStart)
            {
                Attach(subscription);
                return subscription;
            }
        }

        // Older than memory: read the files outside the lock, then attach. Batches acknowledged meanwhile are in
        // memory and are offered on attach; if memory moved past them, the subscriber is told to resubscribe.
        try
        {
            CatchUpFromFiles(subscription, fromSequence, memoryStart - 1);
            lock (_lock)
            {
                Attach(subscription);
            }
        }
        catch
        {
            subscription.Dispose();
            throw;
        }

        return subscription;
    }

    /// <summary>Compares the primary's record <paramref name="sequence"/> with the subscriber's checksum of its own record there.</summary>
    private void CheckHistory(ulong sequence, uint expected)
    {
        uint? actual = null;
        lock (_lock)
        {
            if (sequence > _log.AcknowledgedSequence)
            {
                // Beyond the primary's log: Subscribe refuses that with its own message.
                return;
            }

            foreach (var chunk in _recent)
            {
                if (chunk.FirstSeq <= sequence && sequence <= chunk.LastSeq)
                {
                    actual = WalFrames.ChecksumOf(chunk.Frames.Span, sequence);
                    break;
                }
            }
        }

        // Records are never rewritten, so reading the files outside the lock sees what memory would have held.
        actual ??= _log.ChecksumOf(sequence)
            ?? throw new SnapshotRequiredException($"sequence {sequence} was compacted away (the log starts at {_log.FirstSequence}), so the standby's history cannot be checked; a full snapshot is needed");
        if (actual != expected)
        {
            throw new HistoryDivergedException(sequence);
        }
    }

    /// <summary>Offers everything in memory, then registers for live batches. Caller holds the lock.</summary>
    private void Attach(DeltaSubscription subscription)
    {
        // Memory can hold far more (small) batches than a subscriber's queue: hand them over in large runs.
        foreach (var chunk in Coalesce(_recent, subscription.NextSequence, CoalescedBytes))
        {
            subscription.Offer(chunk);
        }

        _subscribers.Add(subscription);
    }

    /// <summary>Joins consecutive chunks from the one holding <paramref name="from"/> on into chunks of up to about <paramref name="maxBytes"/>.</summary>
    private static IEnumerable<ReplicationChunk> Coalesce(IEnumerable<ReplicationChunk> chunks, ulong from, int maxBytes)
    {
        var run = new List<ReplicationChunk>();
        var bytes = 0;
        foreach (var chunk in chunks)
        {
            if (chunk.LastSeq < from)
            {
                continue;
            }

            if (run.Count > 0 && (bytes + chunk.Frames.Length > maxBytes || run[^1].LastSeq + 1 != chunk.FirstSeq))
            {
                yield return Join(run);
                run.Clear();
                bytes = 0;
            }

            run.Add(chunk);
            bytes += chunk.Frames.Length;
        }

        if (run.Count > 0)
        {
            yield return Join(run);
        }

        static ReplicationChunk Join(List<ReplicationChunk> run)
        {
            if (run.Count == 1)
            {
                return run[0];
            }

            var frames = new byte[run.Sum(c => c.Frames.Length)];
            var offset = 0;
            foreach (var chunk in run)
            {
                chunk.Frames.Span.CopyTo(frames.AsSpan(offset));
                offset += chunk.Frames.Length;
            }

            return new ReplicationChunk(run[0].FirstSeq, run[^1].LastSeq, frames);
        }
    }

    /// <summary>Detaches the feed from the log and ends every subscription.</summary>
    public void Dispose()
    {
        _log.SetBatchListener(null);
        lock (_lock)
        {
            foreach (var subscriber in _subscribers.ToList())
            {
                subscriber.Dispose();
            }
        }
    }

    private void CatchUpFromFiles(DeltaSubscription subscription, ulong from, ulong through)
    {
        if (from < _log.FirstSequence)
        {
            throw new SnapshotRequiredException($"requested sequence {from} was compacted away (the log starts at {_log.FirstSequence}); a full snapshot is needed");
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256 * 1024);
        ulong first = 0, last = 0;
        _log.Read(from, (in WalRecord record) =>
        {
            if (record.Entry.SeqNo > through)
            {
                return;
            }

            if (buffer.WrittenCount == 0)
            {
                first = record.Entry.SeqNo;
            }

            WalFrames.Encode(record.Entry, buffer);
            last = record.Entry.SeqNo;
            if (buffer.WrittenCount >= 256 * 1024)
            {
                Deliver();
            }
        });
        Deliver();

        void Deliver()
        {
            if (buffer.WrittenCount == 0)
            {
                return;
            }

            var chunk = new ReplicationChunk(first, last, buffer.WrittenSpan.ToArray());
            buffer.ResetWrittenCount();
            subscription.Offer(chunk);
        }
    }

    private void OnBatch(ReadOnlySpan<byte> frames, ulong firstSeq, ulong lastSeq)
    {
        var chunk = new ReplicationChunk(firstSeq, lastSeq, frames.ToArray());
        lock (_lock)
        {
            _recent.AddLast(chunk);
            _recentBytes += chunk.Frames.Length;
            while (_recentBytes > _memoryBytes && _recent.Count > 1)
            {
                _recentBytes -= _recent.First!.Value.Frames.Length;
                _recent.RemoveFirst();
            }

            foreach (var subscriber in _subscribers.ToList())
            {
                subscriber.Offer(chunk);
            }
        }
    }

    private void Remove(DeltaSubscription subscription)
    {
        lock (_lock)
        {
            _subscribers.Remove(subscription);
        }
    }
}

using System.Diagnostics;
using Registry.Persistence.Deltas;
using Registry.Persistence.Diagnostics;
using Registry.Persistence.IO;

namespace Registry.Persistence.Wal;

/// <summary>An append-only, segmented, checksummed log of registry deltas with group commit.</summary>
/// <remarks>
/// <para><b>Durability contract.</b> In <see cref="WalDurability.Always"/> mode (the default), when
/// <see cref="AppendAsync(DeltaType, uint, ReadOnlySpan{byte}, CancellationToken)"/> completes, the record
/// and every record with a lower sequence number have been written and fdatasync'd: they survive a crash or
/// power cut. Appends that arrive while a write is in progress are gathered into the next batch, written
/// with one call and made durable with one fdatasync, and every caller in the batch is released together.
/// <see cref="WalDurability.Interval"/> completes after the write and syncs within
/// <see cref="WalOptions.SyncInterval"/>; <see cref="WalDurability.None"/> never syncs before close.</para>
/// <para><b>After an I/O error</b> (a failed write, fdatasync, or segment creation) the log is poisoned:
/// the failing batch's callers get a <see cref="WalPoisonedException"/>, and so does every later append.
/// Nothing is retried on the same handle, because after a failed fsync the kernel may have dropped the dirty
/// pages and a second fsync can falsely succeed. Reading keeps working. Reopening recovers from what is on
/// disk, cutting any partly written batch as a torn tail.</para>
/// <para><b>Threading.</b> Appends may come from any number of threads. Encoding happens on the caller's
/// thread under a short lock; writing and syncing happen on one dedicated flusher thread that never runs
/// caller code. Sequence numbers are assigned in append order, strictly increasing by one, across segments
/// and restarts. <see cref="AppendedSequence"/> is the last number handed out; <see cref="DurableSequence"/>
/// the last one known to be on stable storage.</para>
/// <para><b>Size cap.</b> The total size of all segments is capped (<see cref="WalOptions.MaxSizeBytes"/>);
/// an append that would pass it fails with <see cref="WalFullException"/> and changes nothing. Space is
/// reclaimed by <see cref="DeleteSegmentsThrough"/> once a snapshot covers them.</para>
/// </remarks>
public sealed partial class WriteAheadLog : IDisposable
{
    private readonly WalOptions _options;
    private readonly DirectoryLock? _lock;
    private readonly Thread _flusher;
    private readonly SegmentSet _segments;

    // _gate guards the open batch, sequence assignment, the size cap check, poison, closing and the flusher's sleep.
    private readonly object _gate = new();

    // _commitGate is held while a batch is taken and written, by the flusher or by a committing caller, so batches
    // reach the file in sequence order and at most one is in flight. Taken before _gate and _segments.Gate, never inside them.
    private readonly Lock _commitGate = new();

    [ThreadStatic]
    private static bool t_callerCommits;
    private AppendBatch _open = new();
    private AppendBatch? _spare = new();
    private Task? _inFlight;
    private ulong _inFlightLastSeq;
    private ulong _nextSeq;
    private ulong _acknowledgedSeq;
    private long _size;
    private long _appendedBytes;
    private bool _flusherWaiting;
    private bool _closing;
    private volatile Exception? _poison;
    private long _batches;
    private int _lastBatchCount;
    private volatile WalBatchListener? _listener;

    private WriteAheadLog(WalOptions options, DirectoryLock? directoryLock, List<WalSegment> segments, WalOpenReport report)
    {
        _options = options;
        _lock = directoryLock;
        _segments = new SegmentSet(options, segments, delta => Interlocked.Add(ref _size, delta));
        Recovery = report;
        _acknowledgedSeq = segments[^1].LastSeq;
        _nextSeq = _acknowledgedSeq + 1;
        _size = segments.Sum(s => s.Length);
        _flusher = new Thread(FlushLoop) { IsBackground = true, Name = "wal-flusher" };
        _flusher.Start();
    }

    /// <summary>What opening the log found and repaired.</summary>
    public WalOpenReport Recovery { get; }

    /// <summary>The log's directory.</summary>
    public string Path => _options.Directory;

    /// <summary>The durability mode.</summary>
    public WalDurability Durability => _options.Durability;

    /// <summary>Total bytes of all segments, including appends not yet written.</summary>
    public long Size => Interlocked.Read(ref _size);

    /// <summary>Bytes appended (records with their framing) since the log was opened; never decreases, unlike <see cref="Size"/>, which segments leaving the log lower.</summary>
    public long AppendedBytes => Interlocked.Read(ref _appendedBytes);

    /// <summary>The first sequence number still held by the log.</summary>
    public ulong FirstSequence
    {
        get
        {
            lock (_segments.Gate)
            {
                return _segments.FirstSequence;
            }
        }
    }

    /// <summary>The last sequence number handed to an append (durable or not).</summary>
    public ulong AppendedSequence
    {
        get
        {
            lock (_gate)
            {
                return _nextSeq - 1;
            }
        }
    }

    /// <summary>The last sequence number acknowledged to appenders (equal to <see cref="DurableSequence"/> in <see cref="WalDurability.Always"/> mode).</summary>
    public ulong AcknowledgedSequence
    {
        get
        {
            lock (_gate)
            {
                return _acknowledgedSeq;
            }
        }
    }

    /// <summary>The last sequence number known to be on stable storage.</summary>
    public ulong DurableSequence => _segments.DurableSequence;

    /// <summary>The error that poisoned the log, or null while it is healthy.</summary>
    public Exception? Failure => _poison;

    /// <summary>Batches written and fdatasync calls made since open; the ratio of appends to batches is the group-commit factor.</summary>
    public (long Batches, long Syncs) Counters => (Interlocked.Read(ref _batches), _segments.Syncs);

    /// <summary>The segment files, oldest first, with their sequence ranges.</summary>
    public IReadOnlyList<(string Path, ulong FirstSeq, ulong LastSeq, long Length)> Segments
    {
        get
        {
            lock (_segments.Gate)
            {
                return _segments.Describe();
            }
        }
    }

    /// <summary>Opens (creating if needed) and recovers the log in <see cref="WalOptions.Directory"/>, taking its directory lock.</summary>
    /// <exception cref="WalCorruptionException">The log is corrupt other than at its tail and prefix recovery was not requested.</exception>
    /// <exception cref="DirectoryLockedException">Another process has the log open.</exception>
    public static WriteAheadLog Open(WalOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Directory.CreateDirectory(options.Directory);
        var directoryLock = options.Storage is OsStorage ? DirectoryLock.Acquire(options.Directory) : null;
        try
        {
            var (segments, report) = WalRecovery.Run(options);
            return new WriteAheadLog(options, directoryLock, segments, report);
        }
        catch
        {
            directoryLock?.Dispose();
            throw;
        }
    }

    /// <summary>Sets the one listener told of every acknowledged batch (its encoded records), on the thread that wrote it (the flusher, or a caller of <see cref="CommitAppended"/>); null removes it.</summary>
    /// <remarks>The listener must be quick and must copy what it keeps: the bytes are valid only during the call.</remarks>
    public void SetBatchListener(WalBatchListener? listener) => _listener = listener;

    /// <summary>Completes when every append made before the call is on stable storage, whatever the durability mode.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        Task? pending;
        lock (_gate)
        {
            ThrowIfPoisoned();
            pending = _open.Count > 0 ? _open.Completion.Task : _inFlight;
            if (_flusherWaiting && _open.Count > 0)
            {
                Monitor.Pulse(_gate);
            }
        }

        if (pending is not null)
        {
            await pending.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        lock (_segments.Gate)
        {
            ThrowIfPoisoned();
            _segments.SyncActive();
        }
    }

    /// <summary>Closes the active segment so the next append starts a new one; returns the first sequence number of the new segment.</summary>
    /// <remarks>Compaction calls this after capturing a snapshot, so that the snapshot can later cover whole segments.</remarks>
    public ulong Rotate()
    {
        lock (_segments.Gate)
        {
            ThrowIfPoisoned();
            try
            {
                return _segments.Rotate();
            }
            catch (Exception ex)
            {
                Poison(ex);
                throw new WalPoisonedException($"rotating the log failed: {ex.Message}", Path, ex);
            }
        }
    }

    /// <summary>Deletes every closed segment whose records all have sequence numbers at or below <paramref name="sequence"/>; returns how many were deleted.</summary>
    /// <remarks>The active segment is never deleted. Segments go oldest first, so a crash midway leaves a contiguous log.</remarks>
    public int DeleteSegmentsThrough(ulong sequence)
    {
        lock (_segments.Gate)
        {
            return _segments.DeleteThrough(sequence);
        }
    }

    /// <summary>
    /// Makes the next appended entry's sequence number at least <paramref name="sequence"/> + 1, starting a new
    /// segment there and deleting the older ones, which a snapshot covering <paramref name="sequence"/> makes redundant.
    /// </summary>
    /// <remarks>Used when a snapshot is newer than the log (a log lost or restored from an older backup), so sequence numbers are never reused.</remarks>
    public void StartAfter(ulong sequence) => _ = Restart(sequence, onlyIfBehind: true);

    /// <summary>
    /// Discards every segment and continues numbering at <paramref name="sequence"/> + 1, whether the log was behind
    /// or ahead: a standby installing a primary's snapshot that covers <paramref name="sequence"/>. Returns the side
    /// files holding segments with records beyond <paramref name="sequence"/>, which are set aside, not deleted.
    /// </summary>
    /// <remarks>Only valid with no append in flight. The caller must have made that snapshot durable first.</remarks>
    public IReadOnlyList<string> ResetAfter(ulong sequence) => Restart(sequence, onlyIfBehind: false);

    private IReadOnlyList<string> Restart(ulong sequence, bool onlyIfBehind)
    {
        lock (_gate)
        {
            if (onlyIfBehind && _nextSeq > sequence)
            {
                return [];
            }

            if (_open.Count > 0 || _inFlight is not null)
            {
                throw new InvalidOperationException("the log can only be restarted with no append in flight");
            }

            IReadOnlyList<string> setAside;
            lock (_segments.Gate)
            {
                ThrowIfPoisoned();
                setAside = _segments.RestartAfter(sequence);
            }

            _acknowledgedSeq = sequence;
            _nextSeq = sequence + 1;
            return setAside;
        }
    }

    /// <summary>Delivers every acknowledged record with a sequence number at or above <paramref name="fromSequence"/>, in order.</summary>
    /// <remarks>
    /// Safe while appends continue: the active segment is read only up to the end of what was acknowledged
    /// (fsync'd in <see cref="WalDurability.Always"/> mode), so a reader never sees a record whose append failed.
    /// </remarks>
    public void Read(ulong fromSequence, WalRecordHandler handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        List<(string Path, long Limit)> plan;
        lock (_segments.Gate)
        {
            plan = _segments.ReadPlan(fromSequence);
        }

        foreach (var (path, limit) in plan)
        {
            using var file = new BoundedFile(_options.Storage.Open(path, writable: false), limit);
            SegmentScanner.Scan(file, _options.MaxPayloadBytes, (in WalRecord record) =>
            {
                if (record.Entry.SeqNo >= fromSequence)
                {
                    handler(in record);
                }
            }, cancellationToken);
        }
    }

    /// <summary>The CRC-32C of the acknowledged record with sequence number <paramref name="sequence"/>, or null when the log does not hold it (compacted away, not yet acknowledged, or never appended).</summary>
    /// <remarks>
    /// Replication compares these to tell whether two logs share their history up to a sequence number. Only the one
    /// segment holding the record is read; the checksum is the one stored in the record's header.
    /// </remarks>
    public uint? ChecksumOf(ulong sequence)
    {
        (string Path, long Limit) segment;
        lock (_segments.Gate)
        {
            if (sequence < _segments.FirstSequence || _segments.ReadPlan(sequence) is not [var first, ..])
            {
                return null;
            }

            segment = first;
        }

        long? offset = null;
        IStorageFile opened;
        try
        {
            opened = _options.Storage.Open(segment.Path, writable: false);
        }
        catch (FileNotFoundException)
        {
            // Compaction deleted the segment after the plan was made: the record is no longer held.
            return null;
        }

        using var file = new BoundedFile(opened, segment.Limit);
        SegmentScanner.Scan(file, _options.MaxPayloadBytes, (in WalRecord record) =>
        {
            if (record.Entry.SeqNo == sequence)
            {
                offset = record.Offset;
            }
        });
        if (offset is not { } at)
        {
            return null;
        }

        // The scan validated the record, so its header is whole and its stored CRC is the record's.
        Span<byte> header = stackalloc byte[RecordFrame.HeaderSize];
        return file.Read(header, at) == header.Length ? RecordFrame.PeekChecksum(header) : null;
    }

    /// <summary>Test hook (the seed's SetSize): sets the size counter without writing, to exercise the cap.</summary>
    public void SetSizeForTesting(long size)
    {
        lock (_gate)
        {
            Interlocked.Exchange(ref _size, size);
        }
    }

    /// <summary>Writes and syncs whatever is pending, stops the flusher, closes the files and releases the directory lock.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_closing)
            {
                return;
            }

            _closing = true;
            Monitor.Pulse(_gate);
        }

        _flusher.Join();
        lock (_segments.Gate)
        {
            if (_poison is null)
            {
                try
                {
                    _segments.SyncActive();
                }
                catch (IOException)
                {
                    // Nothing awaits this sync; the data is in the page cache and recovery handles a tear.
                }
            }

            _segments.Dispose();
        }

        _lock?.Dispose();
    }

    private void ThrowIfPoisoned()
    {
        if (_poison is { } cause)
        {
            throw new WalPoisonedException($"log refuses appends after an I/O error: {cause.Message}", Path, cause);
        }
    }
}

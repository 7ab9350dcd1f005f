using System.Diagnostics;
using Registry.Persistence.Diagnostics;
using Registry.Persistence.IO;
using Registry.Persistence.Snapshots;
using Registry.Persistence.Wal;

namespace Registry.Persistence.Lifecycle;

/// <summary>The persistence lifecycle of a registry (the seed's Store): recovery, the log, the save and replica push loops, compaction.</summary>
/// <remarks>
/// <para><b>Durability contract.</b> Every mutation is made durable by <see cref="Log"/> before it is acknowledged
/// (in <see cref="WalDurability.Always"/> mode); snapshots only bound replay time and log size. A snapshot records the
/// sequence number of the last delta it contains, captured atomically with the state, and is saved only once that
/// delta is durable. After a snapshot is saved, only log segments covered by the <em>previous</em> generation are
/// deleted, so the previous snapshot plus the log after it can always rebuild the state if the newest snapshot is
/// damaged, and a mutation that races a snapshot is never erased (it has a higher sequence number and stays in the log).</para>
/// <para><b>Failures.</b> A failed save is counted, reported through <see cref="StoreOptions.SaveFailed"/> and
/// retried on the next tick; it loses nothing because the log still holds everything. A failed log write poisons
/// the log (see <see cref="WriteAheadLog"/>). Disposal stops the loops, writes a final snapshot if the state changed,
/// and closes the log; the data directory stays locked until then.</para>
/// <para><b>Timing</b> goes through <see cref="StoreOptions.TimeProvider"/>, so tests drive the loops with a fake clock.</para>
/// </remarks>
public sealed class Store : IAsyncDisposable
{
    private readonly StoreOptions _options;
    private readonly IStateMachine _machine;
    private readonly DirectoryLock _lock;
    private readonly SnapshotStore _snapshots;
    private readonly SemaphoreSlim _saveGate = new(1, 1);
    private readonly SemaphoreSlim _urgent = new(0, 1);
    private readonly CancellationTokenSource _stopping = new();
    private Task _saveLoop = Task.CompletedTask;
    private Task _pushLoop = Task.CompletedTask;
    private int _dirty;
    private int _pushDirty;
    private int _started;
    private ulong _lastSnapshotSeq;

    // Where growth toward an urgent save counts from: the last capture, not the last snapshot that finished, so that
    // writes arriving while one snapshot is written do not queue another right behind it; and never the log's whole
    // size, which keeps the previous generation's segments by design and so stayed past the threshold after a save.
    private ulong _urgentFromSeq;
    private long _urgentFromBytes;
    private long _saves;
    private long _saveFailures;
    private long _pushes;
    private long _urgentSaves;
    private long _segmentsDeleted;
    private TimeSpan _lastSaveDuration;
    private volatile string _replicationToken = "";
    private volatile bool _standby;

    private Store(StoreOptions options, IStateMachine machine, DirectoryLock directoryLock, WriteAheadLog log, SnapshotStore snapshots, RecoveryReport report)
    {
        _options = options;
        _machine = machine;
        _lock = directoryLock;
        Log = log;
        _snapshots = snapshots;
        Recovery = report;
        _lastSnapshotSeq = report.SnapshotSequence;
        _urgentFromSeq = report.SnapshotSequence;

        // The log found at open counts in full toward the first save, as whatever it holds must be replayed again.
        _urgentFromBytes = -log.Size;
    }

    /// <summary>What recovery found and did.</summary>
    public RecoveryReport Recovery { get; }

    /// <summary>The write-ahead log; mutations append here.</summary>
    public WriteAheadLog Log { get; }

    /// <summary>Whether the registry is a standby that rejects writes and follows a primary.</summary>
    public bool IsStandby
    {
        get => _standby;
        set => _standby = value;
    }

    /// <summary>The token a standby must present to subscribe to replication; empty disables replication.</summary>
    public string ReplicationToken
    {
        get => _replicationToken;
        set => _replicationToken = value ?? "";
    }

    /// <summary>Lifecycle counters.</summary>
    public StoreStatistics Statistics => new(
        Interlocked.Read(ref _saves),
        Interlocked.Read(ref _saveFailures),
        _lastSaveDuration,
        Interlocked.Read(ref _lastSnapshotSeq),
        Interlocked.Read(ref _pushes),
        Interlocked.Read(ref _segmentsDeleted),
        Interlocked.Read(ref _urgentSaves));

    /// <summary>Locks <see cref="StoreOptions.DataDirectory"/> and recovers it into <paramref name="machine"/>.</summary>
    /// <exception cref="DirectoryLockedException">Another process has the directory open.</exception>
    /// <exception cref="PersistenceException">The files are damaged and recovery refused (see the message for file, offset and what to do).</exception>
    public static Store Open(StoreOptions options, IStateMachine machine)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(machine);
        options.Validate();
        var layout = new DataLayout(options.DataDirectory);
        var directoryLock = DirectoryLock.Acquire(layout.Directory);
        try
        {
            var (log, snapshots, report) = StoreRecovery.Recover(options, layout, machine);
            PersistenceMetrics.RecoveryDuration.Record(report.Duration.TotalSeconds);
            return new Store(options, machine, directoryLock, log, snapshots, report);
        }
        catch
        {
            directoryLock.Dispose();
            throw;
        }
    }

    /// <summary>Performs a read-only recovery of <paramref name="dataDirectory"/> into <paramref name="machine"/> without changing or locking any file.</summary>
    public static RecoveryReport Inspect(string dataDirectory, IStateMachine machine, CancellationToken cancellationToken = default) =>
        StoreRecovery.Inspect(new DataLayout(dataDirectory), machine, cancellationToken);

    /// <summary>Starts the save and replica push loops; call once, after recovery.</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("the store is already started");
        }

        _saveLoop = SaveLoopAsync(_stopping.Token);
        _pushLoop = _options.PushAsync is null ? Task.CompletedTask : PushLoopAsync(_stopping.Token);
    }

    /// <summary>Marks the state changed: the save loop snapshots it on its next tick (sooner past a log threshold) and the push loop pushes it.</summary>
    public void TriggerSave()
    {
        Volatile.Write(ref _dirty, 1);
        Volatile.Write(ref _pushDirty, 1);
        if (UrgentSaveDue)
        {
            SignalUrgent();
        }
    }

    /// <summary>Whether the log grew past a threshold (<see cref="StoreOptions.SnapshotAfterEntries"/>, <see cref="StoreOptions.SnapshotAfterLogBytes"/>) since the last snapshot was captured, so a save should not wait for the tick.</summary>
    internal bool UrgentSaveDue =>
        Log.AppendedSequence - Interlocked.Read(ref _urgentFromSeq) >= (ulong)_options.SnapshotAfterEntries
        || Log.AppendedBytes - Interlocked.Read(ref _urgentFromBytes) >= _options.SnapshotAfterLogBytes;

    /// <summary>Writes a snapshot now (serialised with the save loop) and compacts the log; returns what was saved.</summary>
    public async Task<SnapshotSaveResult> TriggerSnapshotAsync(CancellationToken cancellationToken = default)
    {
        await _saveGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await SaveCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _saveGate.Release();
        }
    }

    /// <summary>
    /// Replaces the state with a primary's <paramref name="snapshot"/> (a standby resynchronising): the snapshot is
    /// saved durably, then the log restarted after its <c>wal_seq</c>, and only then is the state restored.
    /// </summary>
    /// <remarks>
    /// The order matters: a crash after the save but before the log restart leaves the new snapshot with an older log,
    /// which recovery handles (nothing to replay, numbering continues after the snapshot); the reverse order could
    /// leave an old snapshot beside a log that starts after it, which recovery must refuse. The state changes last so
    /// that reads served meanwhile see the old state, whose sequence the log still covers, and never a state ahead of
    /// the log (a read waits for the log to acknowledge what it saw).
    /// </remarks>
    /// <returns>Side files holding this store's records beyond the snapshot (set aside, not deleted); usually none.</returns>
    public async Task<IReadOnlyList<string>> InstallSnapshotAsync(Snapshots.Model.Snapshot snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        await _saveGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _snapshots.Save(snapshot, cancellationToken);
            var setAside = Log.ResetAfter(snapshot.WalSeq);
            _machine.Restore(snapshot, DataLayoutKind.Pilot);
            Interlocked.Exchange(ref _lastSnapshotSeq, snapshot.WalSeq);
            _ = CountUrgentFrom(snapshot.WalSeq, Log.AppendedBytes);
            Volatile.Write(ref _dirty, 0);
            Volatile.Write(ref _pushDirty, 1);
            return setAside;
        }
        finally
        {
            _saveGate.Release();
        }
    }

    /// <summary>Stops the loops, writes a final snapshot if anything changed, closes the log and releases the directory lock.</summary>
    public ValueTask DisposeAsync() => CloseAsync(finalSnapshot: true);

    /// <summary>Closes as a crash would leave things: no final snapshot (tests of crash recovery).</summary>
    internal ValueTask CrashForTestingAsync() => CloseAsync(finalSnapshot: false);

    private async ValueTask CloseAsync(bool finalSnapshot)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_saveLoop, _pushLoop).ConfigureAwait(false);
        try
        {
            if (finalSnapshot && (Volatile.Read(ref _dirty) == 1 || Log.AppendedSequence > Interlocked.Read(ref _lastSnapshotSeq)) && Log.Failure is null)
            {
                await TriggerSnapshotAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is PersistenceException or IOException)
        {
            // The log holds every acknowledged mutation; the next start replays it.
            Interlocked.Increment(ref _saveFailures);
            _options.SaveFailed?.Invoke(ex);
        }
        finally
        {
            Log.Dispose();
            _lock.Dispose();
            _stopping.Dispose();
            _saveGate.Dispose();
            _urgent.Dispose();
        }
    }

    private async Task<SnapshotSaveResult> SaveCoreAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        Volatile.Write(ref _dirty, 0);
        var (snapshot, sequence) = _machine.CaptureForEncoding();
        var countedFrom = CountUrgentFrom(sequence, Log.AppendedBytes);
        SnapshotSaveResult result;
        try
        {
            // Never put a mutation into a snapshot before it is durable in the log: if the log fails first, the
            // snapshot must not make an unacknowledged mutation permanent.
            if (sequence > Log.AcknowledgedSequence)
            {
                await Log.WhenAcknowledged(sequence).WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            Log.Rotate();
            snapshot.WalSeq = sequence;
            result = _snapshots.Save(snapshot, cancellationToken);
        }
        catch
        {
            // Nothing was saved: the state is still changed, and the growth since the last snapshot that was still
            // counts toward the next.
            Volatile.Write(ref _dirty, 1);
            _ = CountUrgentFrom(countedFrom.Sequence, countedFrom.Bytes);
            throw;
        }

        // The generation just replaced becomes "previous": keep the log from it onward, delete what it covers.
        var deleted = Log.DeleteSegmentsThrough(Interlocked.Read(ref _lastSnapshotSeq));
        Interlocked.Add(ref _segmentsDeleted, deleted);
        Interlocked.Exchange(ref _lastSnapshotSeq, sequence);
        Interlocked.Increment(ref _saves);
        _lastSaveDuration = clock.Elapsed;
        PersistenceMetrics.SnapshotDuration.Record(clock.Elapsed.TotalSeconds);
        return result;
    }

    /// <summary>Counts the log's growth toward an urgent save from <paramref name="sequence"/> and <paramref name="appendedBytes"/>; returns where it counted from before.</summary>
    private (ulong Sequence, long Bytes) CountUrgentFrom(ulong sequence, long appendedBytes) =>
        (Interlocked.Exchange(ref _urgentFromSeq, sequence), Interlocked.Exchange(ref _urgentFromBytes, appendedBytes));

    private async Task SaveLoopAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(_options.SaveInterval, _options.TimeProvider);
        var tick = timer.WaitForNextTickAsync(stopping).AsTask();
        var urgent = _urgent.WaitAsync(stopping);
        while (!stopping.IsCancellationRequested)
        {
            bool wokeUrgent;
            try
            {
                // Both waits persist across iterations: a fresh semaphore wait per loop would leave an orphan that swallows a signal.
                var woke = await Task.WhenAny(tick, urgent).ConfigureAwait(false);
                await woke.ConfigureAwait(false);
                wokeUrgent = woke == urgent;
                if (woke == tick)
                {
                    tick = timer.WaitForNextTickAsync(stopping).AsTask();
                }
                else
                {
                    urgent = _urgent.WaitAsync(stopping);
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }

            if (Volatile.Read(ref _dirty) == 0 && Log.AppendedSequence == Interlocked.Read(ref _lastSnapshotSeq))
            {
                continue;
            }

            try
            {
                await TriggerSnapshotAsync(stopping).ConfigureAwait(false);
                if (wokeUrgent)
                {
                    Interlocked.Increment(ref _urgentSaves);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // Retried on the next tick; the log keeps every mutation meanwhile.
                Volatile.Write(ref _dirty, 1);
                Interlocked.Increment(ref _saveFailures);
                PersistenceMetrics.SnapshotFailures.Add(1);
                _options.SaveFailed?.Invoke(ex);
            }
        }
    }

    private async Task PushLoopAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(_options.PushInterval, _options.TimeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                if (Interlocked.Exchange(ref _pushDirty, 0) == 0)
                {
                    continue;
                }

                try
                {
                    await _options.PushAsync!(stopping).ConfigureAwait(false);
                    Interlocked.Increment(ref _pushes);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A failed push is retried with the next change; subscribers catch up from the next push.
                    Volatile.Write(ref _pushDirty, 1);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void SignalUrgent()
    {
        try
        {
            if (_urgent.CurrentCount == 0)
            {
                _urgent.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: saves coalesce.
        }
        catch (ObjectDisposedException)
        {
        }
    }
}

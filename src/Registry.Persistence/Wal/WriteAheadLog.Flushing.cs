using System.Diagnostics;
using Registry.Persistence.Diagnostics;

namespace Registry.Persistence.Wal;

/// <summary>The flusher thread: swaps the open batch out, writes and syncs it, acknowledges or fails its appenders.</summary>
public sealed partial class WriteAheadLog
{
    private void FlushLoop()
    {
        while (true)
        {
            SpinForNextAppend();
            lock (_gate)
            {
                while (_open.Count == 0 && !_closing)
                {
                    var timeout = SyncWaitTimeout();
                    if (timeout == TimeSpan.Zero)
                    {
                        break;
                    }

                    _flusherWaiting = true;
                    Monitor.Wait(_gate, timeout);
                    _flusherWaiting = false;
                }

                if (_open.Count == 0 && _closing)
                {
                    return;
                }
            }

            GatherReturningAppenders();
            lock (_commitGate)
            {
                var batch = TakeOpenBatch();
                if (batch is null)
                {
                    // Woken only because an interval sync is due, or a caller committed the batch first.
                    SyncIfDue();
                    continue;
                }

                WriteBatch(batch);
                Recycle(batch);
            }
        }
    }

    /// <summary>Makes every entry appended so far acknowledged, writing (and syncing, per the mode) on the calling thread what no commit has taken yet.</summary>
    /// <remarks>
    /// For a caller that appends many entries in one pass and then waits for all of them (an event loop): with
    /// <see cref="CallerCommitsOnThisThread"/> set its appends do not wake the flusher, and this call writes them as one
    /// batch where the caller already runs, sparing the flusher's wake-up and the caller's. A batch the flusher took
    /// first is waited for; batches are written in the order their entries were appended whoever writes them.
    /// </remarks>
    /// <exception cref="WalPoisonedException">The log failed before the entries were acknowledged.</exception>
    public void CommitAppended()
    {
        ulong target;
        lock (_gate)
        {
            target = _nextSeq - 1;
            if (target <= _acknowledgedSeq)
            {
                return;
            }

            ThrowIfPoisoned();
        }

        lock (_commitGate)
        {
            // Holding the commit gate, nothing is in flight: what is not acknowledged is in the open batch.
            if (TakeOpenBatch() is { } batch)
            {
                WriteBatch(batch, byCaller: true);
                Recycle(batch);
            }
        }

        lock (_gate)
        {
            if (target > _acknowledgedSeq)
            {
                ThrowIfPoisoned();
                throw new InvalidOperationException($"entries up to {target} were appended but not acknowledged after a commit");
            }
        }
    }

    /// <summary>Whether the calling thread's appends leave the flusher asleep, because the thread calls <see cref="CommitAppended"/> itself after them.</summary>
    /// <remarks>A thread that sets this must commit after every pass of appends; until it does, nothing wakes the flusher for them.</remarks>
    public static bool CallerCommitsOnThisThread
    {
        get => t_callerCommits;
        set => t_callerCommits = value;
    }

    /// <summary>Takes the open batch for writing, or null when it is empty; the caller holds <c>_commitGate</c>.</summary>
    private AppendBatch? TakeOpenBatch()
    {
        lock (_gate)
        {
            if (_open.Count == 0)
            {
                return null;
            }

            var batch = _open;
            _open = _spare ?? new AppendBatch();
            _spare = null;
            _inFlight = batch.Completion.Task;
            _inFlightLastSeq = batch.LastSeq;
            return batch;
        }
    }

    /// <summary>Right after a batch, looks for the next append for a short while before sleeping, to spare a wake-up.</summary>
    private void SpinForNextAppend()
    {
        if (_lastBatchCount == 0 || _options.MaxIdleSpin == TimeSpan.Zero)
        {
            return;
        }

        var deadline = Stopwatch.GetTimestamp() + (long)(_options.MaxIdleSpin.TotalSeconds * Stopwatch.Frequency);
        var spinner = default(SpinWait);
        while (_open.Count == 0 && !Volatile.Read(ref _closing) && Stopwatch.GetTimestamp() < deadline)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <summary>Gives appenders released by the previous batch a bounded moment to append again, so batches stay full.</summary>
    private void GatherReturningAppenders()
    {
        var expected = _lastBatchCount;
        if (expected <= 1 || _options.MaxCommitDelay == TimeSpan.Zero)
        {
            return;
        }

        var deadline = Stopwatch.GetTimestamp() + (long)(_options.MaxCommitDelay.TotalSeconds * Stopwatch.Frequency);
        var spinner = default(SpinWait);
        while (_open.Count < expected && !Volatile.Read(ref _closing) && Stopwatch.GetTimestamp() < deadline)
        {
            // Yield rather than spin: on a small machine the appenders need this core to come back.
            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }

    private void WriteBatch(AppendBatch batch, bool byCaller = false)
    {
        Exception? failure = null;
        lock (_segments.Gate)
        {
            try
            {
                ThrowIfPoisoned();
                _segments.Write(batch, sync: _options.Durability == WalDurability.Always);
                Interlocked.Increment(ref _batches);
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        }

        if (failure is null)
        {
            if (!byCaller)
            {
                // The gather heuristic expects the flusher's own appenders back, not a committing caller's pass.
                _lastBatchCount = batch.Count;
            }

            lock (_gate)
            {
                _acknowledgedSeq = batch.LastSeq;
            }

            PersistenceMetrics.BatchRecords.Record(batch.Count);
            PersistenceMetrics.AppendedBytes.Add(batch.Length);
            PersistenceMetrics.AppendLatency.Record(Stopwatch.GetElapsedTime(batch.StartedAt).TotalSeconds);
            NotifyListener(batch);
            batch.Completion.TrySetResult();
            return;
        }

        if (failure is not WalPoisonedException)
        {
            Poison(failure);
        }

        batch.Completion.TrySetException(failure as WalPoisonedException
            ?? new WalPoisonedException($"log write failed; nothing in this batch was acknowledged: {failure.Message}", Path, failure));
    }

    private void NotifyListener(AppendBatch batch)
    {
        try
        {
            _listener?.Invoke(batch.Bytes, batch.FirstSeq, batch.LastSeq);
        }
        catch (Exception ex)
        {
            // A listener's failure must not fail the appenders whose batch is already durable.
            Trace.TraceError($"write-ahead log {Path}: batch listener failed: {ex.Message}");
        }
    }

    private void Recycle(AppendBatch batch)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_inFlight, batch.Completion.Task))
            {
                _inFlight = null;
            }

            _spare = batch.Reset();
        }
    }

    private TimeSpan SyncWaitTimeout()
    {
        if (_options.Durability != WalDurability.Interval || _segments.DurableSequence == _segments.WrittenSequence || _poison is not null)
        {
            return Timeout.InfiniteTimeSpan;
        }

        var due = _options.SyncInterval - _options.TimeProvider.GetElapsedTime(_segments.LastSyncTimestamp);
        return due > TimeSpan.Zero ? due : TimeSpan.Zero;
    }

    private void SyncIfDue()
    {
        lock (_segments.Gate)
        {
            if (_poison is not null)
            {
                return;
            }

            try
            {
                _segments.SyncActive();
            }
            catch (Exception ex)
            {
                Poison(ex);
            }
        }
    }

    private void Poison(Exception cause)
    {
        lock (_gate)
        {
            if (_poison is not null)
            {
                return;
            }

            _poison = cause;
        }

        PersistenceMetrics.Poisonings.Add(1);

        Trace.TraceError($"write-ahead log {Path} poisoned: {cause.Message}");
    }
}

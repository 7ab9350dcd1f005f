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
            AppendBatch? batch = null;
            lock (_gate)
            {
                if (_open.Count > 0)
                {
                    batch = _open;
                    _open = _spare ?? new AppendBatch();
                    _spare = null;
                    _inFlight = batch.Completion.Task;
                    _inFlightLastSeq = batch.LastSeq;
                }
            }

            if (batch is null)
            {
                // Woken only because an interval sync is due; there is nothing to write.
                SyncIfDue();
                continue;
            }

            WriteBatch(batch);
            Recycle(batch);
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

    private void WriteBatch(AppendBatch batch)
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
            _lastBatchCount = batch.Count;
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

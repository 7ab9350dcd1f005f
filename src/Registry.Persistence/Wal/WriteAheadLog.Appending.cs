using Registry.Persistence.Deltas;

namespace Registry.Persistence.Wal;

/// <summary>Appending: encoding records into the open batch under the append lock, and waiting for their acknowledgement.</summary>
public sealed partial class WriteAheadLog
{
    /// <summary>Appends a delta and completes when it is durable (per the durability mode); returns its sequence number.</summary>
    /// <remarks>
    /// The payload is copied before this returns. Cancelling stops the wait, not the append: a cancelled
    /// append may still become durable, so its outcome is unknown to the caller.
    /// </remarks>
    /// <exception cref="ArgumentException">The payload exceeds <see cref="WalOptions.MaxPayloadBytes"/>; nothing was appended.</exception>
    /// <exception cref="WalFullException">The log is at its size cap; nothing was appended.</exception>
    /// <exception cref="WalPoisonedException">An earlier I/O error stopped the log, or this batch's write failed.</exception>
    public ValueTask<ulong> AppendAsync(DeltaType type, uint nodeId, ReadOnlySpan<byte> data, CancellationToken cancellationToken = default)
    {
        var seq = EnqueueCore(type, nodeId, data, hasData: !data.IsEmpty, out var completion);
        return WaitAsync(completion, seq, cancellationToken);
    }

    /// <summary>Appends <paramref name="entry"/> (its <see cref="DeltaEntry.SeqNo"/> is ignored and reassigned) and completes when durable.</summary>
    public ValueTask<ulong> AppendAsync(in DeltaEntry entry, CancellationToken cancellationToken = default)
    {
        var seq = EnqueueCore(entry.Type, entry.NodeId, entry.Data.Span, entry.HasData, out var completion);
        return WaitAsync(completion, seq, cancellationToken);
    }

    /// <summary>Appends without waiting: the sequence number is assigned before this returns, and <see cref="AppendTicket.Acknowledged"/> completes when the entry is durable (per the mode).</summary>
    /// <remarks>
    /// For callers that must fix the log order under their own lock and wait for the disk outside it. The same
    /// exceptions as <see cref="AppendAsync(DeltaType, uint, ReadOnlySpan{byte}, CancellationToken)"/> are thrown
    /// synchronously when nothing was appended; a write failure faults the ticket's task.
    /// </remarks>
    public AppendTicket Enqueue(DeltaType type, uint nodeId, ReadOnlySpan<byte> data)
    {
        var seq = EnqueueCore(type, nodeId, data, hasData: !data.IsEmpty, out var completion);
        return new AppendTicket(seq, completion);
    }

    /// <summary>
    /// Appends records encoded by another log (a primary's frames, as delivered by its <see cref="Replication.DeltaFeed"/>),
    /// keeping their sequence numbers; the first must be exactly the next sequence number of this log.
    /// </summary>
    /// <remarks>Every frame's checksum and the continuity of sequence numbers are checked first; on any mismatch nothing is appended.</remarks>
    /// <exception cref="WalCorruptionException">A frame is damaged or does not continue this log's sequence.</exception>
    public AppendTicket EnqueueReplicated(ReadOnlySpan<byte> frames)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closing, this);
            ThrowIfPoisoned();
            var (first, last, count) = WalFrames.Validate(frames, _nextSeq, _options.MaxPayloadBytes, Path);
            if (count == 0)
            {
                return new AppendTicket(_nextSeq - 1, WhenAcknowledged(_nextSeq - 1));
            }

            if (_size + frames.Length > _options.MaxSizeBytes)
            {
                throw new WalFullException($"log at size cap ({_size} + {frames.Length} bytes > {_options.MaxSizeBytes}), refusing replicated append", Path);
            }

            _open.AddEncoded(frames, first, last, count);
            _nextSeq = last + 1;
            Interlocked.Add(ref _size, frames.Length);
            Interlocked.Add(ref _appendedBytes, frames.Length);
            if (_flusherWaiting)
            {
                Monitor.Pulse(_gate);
            }

            return new AppendTicket(last, _open.Completion.Task);
        }
    }

    /// <summary>A task that completes when every entry up to <paramref name="sequence"/> is acknowledged (durable in <see cref="WalDurability.Always"/> mode), or faults if the log fails first.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No entry with <paramref name="sequence"/> has been appended.</exception>
    public Task WhenAcknowledged(ulong sequence) => WhenAcknowledged(sequence, clampToAppended: false);

    /// <summary>As <see cref="WhenAcknowledged(ulong)"/>, but a sequence beyond the log means its last appended entry.</summary>
    /// <remarks>
    /// For readers that learnt a sequence from state the log may not cover for an instant: a standby replacing its
    /// state with a primary's snapshot restarts its log first, and its old state can be ahead of the new log.
    /// </remarks>
    public Task WhenCovered(ulong sequence) => WhenAcknowledged(sequence, clampToAppended: true);

    private Task WhenAcknowledged(ulong sequence, bool clampToAppended)
    {
        lock (_gate)
        {
            if (clampToAppended)
            {
                sequence = Math.Min(sequence, _nextSeq - 1);
            }

            if (sequence <= _acknowledgedSeq)
            {
                return Task.CompletedTask;
            }

            ThrowIfPoisoned();
            if (_inFlight is not null && sequence <= _inFlightLastSeq)
            {
                return _inFlight;
            }

            if (sequence < _nextSeq && _open.Count > 0)
            {
                return _open.Completion.Task;
            }

            throw new ArgumentOutOfRangeException(nameof(sequence), sequence, "no entry with this sequence number has been appended");
        }
    }

    private ulong EnqueueCore(DeltaType type, uint nodeId, ReadOnlySpan<byte> data, bool hasData, out Task completion)
    {
        if (data.Length > _options.MaxPayloadBytes)
        {
            throw new ArgumentException($"payload of {data.Length} bytes exceeds the {_options.MaxPayloadBytes}-byte record limit", nameof(data));
        }

        var size = RecordFrame.SizeOf(data.Length);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closing, this);
            ThrowIfPoisoned();
            if (_size + size > _options.MaxSizeBytes)
            {
                throw new WalFullException($"log at size cap ({_size} + {size} bytes > {_options.MaxSizeBytes}), refusing append", Path);
            }

            var seq = _nextSeq++;
            _open.Add(seq, type, nodeId, data, hasData);
            Interlocked.Add(ref _size, size);
            Interlocked.Add(ref _appendedBytes, size);
            completion = _open.Completion.Task;
            if (_flusherWaiting && !t_callerCommits)
            {
                Monitor.Pulse(_gate);
            }

            return seq;
        }
    }

    private static async ValueTask<ulong> WaitAsync(Task completion, ulong seq, CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            await completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await completion.ConfigureAwait(false);
        }

        return seq;
    }
}

using System.Threading.Channels;

namespace Registry.Persistence.Replication;

/// <summary>One standby's stream of acknowledged log records, in sequence order, from the sequence number it asked for.</summary>
/// <remarks>
/// Records older than the feed's memory are read back from the log files first; then come the batches the
/// primary acknowledges, as they are acknowledged. A subscriber that lets more than its queue's capacity pile
/// up is cut off with <see cref="SubscriberLaggingException"/> rather than slowing the primary or growing without bound.
/// </remarks>
public sealed class DeltaSubscription : IDisposable
{
    private readonly Channel<ReplicationChunk> _queue;
    private readonly Action<DeltaSubscription> _unsubscribe;
    private ulong _nextToQueue;

    internal DeltaSubscription(ulong fromSequence, int capacity, Action<DeltaSubscription> unsubscribe)
    {
        _queue = Channel.CreateBounded<ReplicationChunk>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
        _unsubscribe = unsubscribe;
        _nextToQueue = fromSequence;
    }

    /// <summary>The next sequence number this subscription will deliver.</summary>
    public ulong NextSequence => Volatile.Read(ref _nextToQueue);

    /// <summary>The chunks, in order, until the subscription is disposed or cut off.</summary>
    public IAsyncEnumerable<ReplicationChunk> ReadAllAsync(CancellationToken cancellationToken = default) => _queue.Reader.ReadAllAsync(cancellationToken);

    /// <summary>The next chunk; throws <see cref="ChannelClosedException"/> (with the reason as inner exception) when the subscription ended.</summary>
    public ValueTask<ReplicationChunk> ReadAsync(CancellationToken cancellationToken = default) => _queue.Reader.ReadAsync(cancellationToken);

    /// <summary>Ends the subscription.</summary>
    public void Dispose()
    {
        _unsubscribe(this);
        _queue.Writer.TryComplete();
    }

    /// <summary>Queues the part of <paramref name="chunk"/> this subscriber has not had yet. Called in sequence order, by one caller at a time.</summary>
    internal void Offer(ReplicationChunk chunk)
    {
        var next = _nextToQueue;
        if (chunk.LastSeq < next)
        {
            return;
        }

        if (chunk.FirstSeq < next)
        {
            var offset = Persistence.Wal.WalFrames.OffsetOf(chunk.Frames.Span, next);
            chunk = new ReplicationChunk(next, chunk.LastSeq, chunk.Frames[offset..]);
        }
        else if (chunk.FirstSeq > next)
        {
            _queue.Writer.TryComplete(new SubscriberLaggingException($"the feed moved past sequence {next} (next available {chunk.FirstSeq}); resubscribe from the last applied sequence"));
            _unsubscribe(this);
            return;
        }

        if (!_queue.Writer.TryWrite(chunk))
        {
            _queue.Writer.TryComplete(new SubscriberLaggingException($"subscriber fell behind at sequence {next}; resubscribe from the last applied sequence"));
            _unsubscribe(this);
            return;
        }

        Volatile.Write(ref _nextToQueue, chunk.LastSeq + 1);
    }
}

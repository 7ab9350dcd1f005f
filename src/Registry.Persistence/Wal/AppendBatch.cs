using System.Buffers;
using Registry.Persistence.Deltas;

namespace Registry.Persistence.Wal;

/// <summary>Records appended while the previous batch was being written: written with one call and synced with one fsync.</summary>
/// <remarks>Mutated only under the log's append lock until handed to the flusher, then only by the flusher.</remarks>
internal sealed class AppendBatch
{
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);

    /// <summary>Completes when the batch is durable (or written, in the weaker modes); faults when it failed.</summary>
    public TaskCompletionSource Completion { get; private set; } = NewCompletion();

    /// <summary>Encoded bytes held.</summary>
    public int Length { get; private set; }

    private int _count;

    /// <summary>Records held; readable without the append lock as a hint.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>When the first record was added, as a <see cref="System.Diagnostics.Stopwatch"/> timestamp.</summary>
    public long StartedAt { get; private set; }

    /// <summary>The sequence number of the first record held.</summary>
    public ulong FirstSeq { get; private set; }

    /// <summary>The sequence number of the last record held.</summary>
    public ulong LastSeq { get; private set; }

    /// <summary>The encoded records.</summary>
    public ReadOnlySpan<byte> Bytes => _buffer.AsSpan(0, Length);

    /// <summary>Encodes one record at the end of the batch.</summary>
    public void Add(ulong seq, DeltaType type, uint nodeId, ReadOnlySpan<byte> data, bool hasData)
    {
        var size = RecordFrame.SizeOf(data.Length);
        EnsureCapacity(size);

        RecordFrame.Format(_buffer.AsSpan(Length, size), seq, type, nodeId, data, hasData);
        if (_count == 0)
        {
            FirstSeq = seq;
            StartedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        }

        Length += size;
        Volatile.Write(ref _count, _count + 1);
        LastSeq = seq;
    }

    /// <summary>Adds records already encoded (by a primary), whose sequence numbers run from <paramref name="firstSeq"/> to <paramref name="lastSeq"/>.</summary>
    public void AddEncoded(ReadOnlySpan<byte> frames, ulong firstSeq, ulong lastSeq, int count)
    {
        EnsureCapacity(frames.Length);

        frames.CopyTo(_buffer.AsSpan(Length));
        if (_count == 0)
        {
            FirstSeq = firstSeq;
            StartedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        }

        Length += frames.Length;
        Volatile.Write(ref _count, _count + count);
        LastSeq = lastSeq;
    }

    /// <summary>Empties the batch for reuse with a fresh completion.</summary>
    public AppendBatch Reset()
    {
        Length = 0;
        Volatile.Write(ref _count, 0);
        LastSeq = 0;
        FirstSeq = 0;
        Completion = NewCompletion();
        if (_buffer.Length > 4 * 1024 * 1024)
        {
            // A burst of large records should not pin a huge buffer forever.
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        }

        return this;
    }

    private void EnsureCapacity(int extra)
    {
        if (_buffer.Length - Length >= extra)
        {
            return;
        }

        var grown = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, Length + extra));
        _buffer.AsSpan(0, Length).CopyTo(grown);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = grown;
    }

    // Continuations run on the thread pool so the flusher never runs caller code.
    private static TaskCompletionSource NewCompletion() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

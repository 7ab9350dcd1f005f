using System.Buffers;

namespace Registry.Server.Protocol;

/// <summary>An <see cref="IBufferWriter{T}"/> that grows by adding fixed-size segments instead of copying into a larger array; the written bytes are one <see cref="ReadOnlySequence{T}"/>.</summary>
/// <remarks>
/// For messages of tens of megabytes (a replication snapshot): a doubling array allocates and copies about twice the
/// final size on the large-object heap before it is done, and that churn set off a blocking full collection on a
/// primary of 357k nodes at every standby subscription. Not thread-safe.
/// </remarks>
public sealed class SegmentedBufferWriter : IBufferWriter<byte>
{
    private readonly int _segmentBytes;
    private readonly List<ReadOnlyMemory<byte>> _filled = [];
    private byte[]? _current;
    private int _used;

    /// <summary>Creates a writer whose segments hold <paramref name="segmentBytes"/> each (larger when one span asked for more).</summary>
    public SegmentedBufferWriter(int segmentBytes = 1 << 20)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(segmentBytes);
        _segmentBytes = segmentBytes;
    }

    /// <summary>Bytes written so far.</summary>
    public long WrittenCount { get; private set; }

    /// <inheritdoc />
    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count > 0 && (_current is null || _used + count > _current.Length))
        {
            throw new InvalidOperationException("Advanced past the span handed out.");
        }

        _used += count;
        WrittenCount += count;
    }

    /// <inheritdoc />
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        var needed = Math.Max(sizeHint, 1);
        if (_current is null || _current.Length - _used < needed)
        {
            // The unused tail of the segment being left is not part of what was written.
            if (_current is not null)
            {
                _filled.Add(_current.AsMemory(0, _used));
            }

            _current = new byte[Math.Max(_segmentBytes, needed)];
            _used = 0;
        }

        return _current.AsMemory(_used);
    }

    /// <inheritdoc />
    public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    /// <summary>The bytes written, in order (valid while nothing more is written).</summary>
    public ReadOnlySequence<byte> Written()
    {
        if (_current is null)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var written = _current.AsMemory(0, _used);
        if (_filled.Count == 0)
        {
            return new ReadOnlySequence<byte>(written);
        }

        var first = new Segment(_filled[0], 0);
        var last = first;
        foreach (var part in _filled.Skip(1).Append(written))
        {
            last = last.Append(part);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}

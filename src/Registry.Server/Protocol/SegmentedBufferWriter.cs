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
    private readonly List<byte[]> _segments = [];
    private readonly List<int> _lengths = [];
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
        if (count > 0 && (_segments.Count == 0 || _used + count > _segments[^1].Length))
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
        if (_segments.Count == 0 || _segments[^1].Length - _used < needed)
        {
            // The unused tail of the previous segment is left out of the sequence.
            if (_segments.Count > 0)
            {
                _lengths.Add(_used);
            }

            _segments.Add(new byte[Math.Max(_segmentBytes, needed)]);
            _used = 0;
        }

        return _segments[^1].AsMemory(_used);
    }

    /// <inheritdoc />
    public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    /// <summary>The bytes written, in order (valid while nothing more is written).</summary>
    public ReadOnlySequence<byte> Written()
    {
        if (_segments.Count == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        ReadOnlyMemory<byte> Part(int i) => _segments[i].AsMemory(0, i < _lengths.Count ? _lengths[i] : _used);
        if (_segments.Count == 1)
        {
            return new ReadOnlySequence<byte>(Part(0));
        }

        var first = new Segment(Part(0), 0);
        var last = first;
        for (var i = 1; i < _segments.Count; i++)
        {
            last = last.Append(Part(i));
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

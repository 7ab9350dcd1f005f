using System.Buffers;

namespace Registry.Persistence.Snapshots;

/// <summary>A buffer writer that counts what is written into it and keeps none of it: one scratch buffer is handed out again and again.</summary>
internal sealed class CountingBufferWriter : IBufferWriter<byte>
{
    private byte[] _scratch = new byte[64 * 1024];

    /// <summary>Bytes written so far.</summary>
    public long Count { get; private set; }

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _scratch.Length);
        Count += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        if (sizeHint > _scratch.Length)
        {
            _scratch = new byte[sizeHint];
        }

        return _scratch;
    }

    public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
}

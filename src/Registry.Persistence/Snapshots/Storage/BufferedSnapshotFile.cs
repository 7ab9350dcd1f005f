using System.Buffers;

namespace Registry.Persistence.Snapshots.Storage;

/// <summary>An <see cref="IBufferWriter{T}"/> that collects the encoder's output in one pooled buffer and writes it to the file in large chunks, so a 40 MB snapshot is never held whole in memory.</summary>
internal sealed class BufferedSnapshotFile(ISnapshotFile file, int chunkSize) : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(chunkSize);
    private int _used;

    /// <summary>Bytes handed to the file so far, plus those still buffered.</summary>
    public long Length { get; private set; }

    public void Advance(int count)
    {
        _used += count;
        Length += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureRoom(Math.Max(sizeHint, 1));
        return _buffer.AsMemory(_used);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureRoom(Math.Max(sizeHint, 1));
        return _buffer.AsSpan(_used);
    }

    /// <summary>Writes whatever is buffered to the file.</summary>
    public void Flush()
    {
        if (_used > 0)
        {
            file.Write(_buffer.AsSpan(0, _used));
            _used = 0;
        }
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private void EnsureRoom(int size)
    {
        if (_buffer.Length - _used >= size)
        {
            return;
        }

        Flush();
        if (_buffer.Length < size)
        {
            // One value larger than a chunk (a huge string): grow rather than fail.
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(size);
        }
    }
}

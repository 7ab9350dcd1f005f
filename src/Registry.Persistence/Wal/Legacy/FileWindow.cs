using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace Registry.Persistence.Wal.Legacy;

/// <summary>A forward-only, read-ahead view of a file through one pooled buffer, read with explicit offsets.</summary>
/// <remarks>
/// Memory stays bounded by the largest span requested (a legacy entry is at most 1 MiB) plus the read-ahead,
/// whatever the file size. A span handed out stays valid only until the next <see cref="Get"/>, which may
/// move or replace the buffer. Not thread-safe: one reader owns a window.
/// </remarks>
internal sealed class FileWindow : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly long _limit;
    private byte[] _buffer;
    private long _start;
    private int _length;

    /// <summary>Creates a window over the first <paramref name="limit"/> bytes of the file.</summary>
    public FileWindow(SafeFileHandle handle, long limit, int bufferBytes)
    {
        _handle = handle;
        _limit = limit;
        _buffer = ArrayPool<byte>.Shared.Rent(bufferBytes);
    }

    /// <summary>Returns up to <paramref name="count"/> bytes at <paramref name="offset"/>; fewer only at the end of the file.</summary>
    /// <remarks>Meant for forward reading; any other offset works but is read from the file again.</remarks>
    public ReadOnlyMemory<byte> Get(long offset, int count)
    {
        var bufferedEnd = _start + _length;
        if (offset >= _start && offset + count <= bufferedEnd)
        {
            return _buffer.AsMemory((int)(offset - _start), count);
        }

        // Bytes already buffered from offset onwards are kept; a jump past the buffer keeps none.
        var kept = offset >= _start && offset < bufferedEnd ? _buffer.AsSpan((int)(offset - _start), (int)(bufferedEnd - offset)) : [];
        if (count > _buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(count, _buffer.Length * 2));
            kept.CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
        else
        {
            // Overlapping copy is safe: Span.CopyTo has memmove semantics.
            kept.CopyTo(_buffer);
        }

        var keep = kept.Length;

        _start = offset;
        _length = keep;
        Fill();
        return _buffer.AsMemory(0, Math.Min(count, _length));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private void Fill()
    {
        // Read ahead as far as the buffer allows so that small records cost one read per buffer, not two per record.
        while (_length < _buffer.Length)
        {
            var want = (int)Math.Min(_buffer.Length - _length, _limit - (_start + _length));
            if (want <= 0)
            {
                return;
            }

            var read = RandomAccess.Read(_handle, _buffer.AsSpan(_length, want), _start + _length);
            if (read == 0)
            {
                return; // the file shrank under us; treat what we have as the end
            }

            _length += read;
        }
    }
}

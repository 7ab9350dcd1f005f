using Registry.Persistence.IO;

namespace Registry.Persistence.Wal;

/// <summary>A read-only view of a file that ends at a fixed length, so readers never see bytes past the durable end.</summary>
internal sealed class BoundedFile(IStorageFile inner, long limit) : IStorageFile
{
    public string Path => inner.Path;

    public long Length => Math.Min(limit, inner.Length);

    public int Read(Span<byte> buffer, long offset)
    {
        var remaining = Length - offset;
        if (remaining <= 0)
        {
            return 0;
        }

        return inner.Read(buffer[..(int)Math.Min(buffer.Length, remaining)], offset);
    }

    public void Write(ReadOnlySpan<byte> data, long offset) => throw new NotSupportedException("read-only view");

    public void Sync() => throw new NotSupportedException("read-only view");

    public void SetLength(long length) => throw new NotSupportedException("read-only view");

    public void Dispose() => inner.Dispose();
}

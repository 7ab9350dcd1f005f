namespace Registry.Persistence.IO;

/// <summary>A file opened for positional reads and writes: the seam through which tests inject I/O faults.</summary>
internal interface IStorageFile : IDisposable
{
    /// <summary>The file's path.</summary>
    string Path { get; }

    /// <summary>The current length in bytes.</summary>
    long Length { get; }

    /// <summary>Reads up to <paramref name="buffer"/>.Length bytes at <paramref name="offset"/>; returns the count read (0 at end).</summary>
    int Read(Span<byte> buffer, long offset);

    /// <summary>Writes all of <paramref name="data"/> at <paramref name="offset"/>.</summary>
    void Write(ReadOnlySpan<byte> data, long offset);

    /// <summary>Makes every completed write durable; throws when the device reports an error.</summary>
    void Sync();

    /// <summary>Sets the file's length (used to cut a torn tail).</summary>
    void SetLength(long length);
}

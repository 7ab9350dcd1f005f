using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using Registry.Persistence.Deltas;
using Registry.Persistence.IO;

namespace Registry.Persistence.Wal.Legacy;

/// <summary>Appends records in the Go WAL format (<c>[u32 LE length][envelope JSON]</c>); for building Go data directories and tests.</summary>
/// <remarks>
/// Each record goes to the file in one positioned write (Go uses two, which is how it tears between them).
/// Nothing is flushed to disk until <see cref="Flush"/> or <see cref="Dispose"/>. Unlike Go's <c>Append</c>,
/// there is no 256 MiB size cap; like it, there is no 1 MiB entry check, so oversize records can be written
/// on purpose. Not thread-safe.
/// </remarks>
public sealed class LegacyWalWriter : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly ArrayBufferWriter<byte> _body = new(512);
    private byte[] _record = new byte[512];
    private bool _disposed;

    /// <summary>Opens <paramref name="path"/> for appending, creating it (mode 0600 on Unix, as Go does) when missing.</summary>
    public LegacyWalWriter(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Path = path;
        var created = !File.Exists(path);
        _handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read);
        if (created && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_handle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        AppendedPosition = RandomAccess.GetLength(_handle);
    }

    /// <summary>The file being written.</summary>
    public string Path { get; }

    /// <summary>The file offset just past the last record written (not necessarily on disk yet).</summary>
    public long AppendedPosition { get; private set; }

    /// <summary>Appends one entry encoded exactly as Go's <c>json.Marshal</c> encodes it.</summary>
    public void Append(in DeltaEntry entry)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _body.ResetWrittenCount();
        GoEnvelope.Encode(entry, _body);
        AppendRecord(_body.WrittenSpan);
    }

    /// <summary>Appends a record whose body is <paramref name="body"/> verbatim, valid JSON or not.</summary>
    public void AppendRecord(ReadOnlySpan<byte> body)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var size = 4 + body.Length;
        if (_record.Length < size)
        {
            _record = new byte[Math.Max(size, _record.Length * 2)];
        }

        BinaryPrimitives.WriteUInt32LittleEndian(_record, (uint)body.Length);
        body.CopyTo(_record.AsSpan(4));
        RandomAccess.Write(_handle, _record.AsSpan(0, size), AppendedPosition);
        AppendedPosition += size;
    }

    /// <summary>Forces everything appended so far to stable storage.</summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Durability.SyncData(_handle, Path);
    }

    /// <summary>Flushes to stable storage and closes the file.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            Durability.SyncData(_handle, Path);
        }
        finally
        {
            _handle.Dispose();
        }
    }
}

using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using Registry.Persistence.IO;

namespace Registry.Cli.Bench;

/// <summary>The benchmark baseline: what the Go original does, a mutex held across write + write + fsync (Go's File.Sync) for every append.</summary>
internal sealed class LockPerAppendLog : IDisposable
{
    private readonly Lock _lock = new();
    private readonly SafeFileHandle _handle;
    private readonly string _path;
    private long _position;

    public LockPerAppendLog(string path)
    {
        _path = path;
        _handle = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read);
    }

    /// <summary>Appends one Go-framed record and fsyncs before releasing the lock.</summary>
    public void Append(ReadOnlySpan<byte> body)
    {
        Span<byte> prefix = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(prefix, (uint)body.Length);
        lock (_lock)
        {
            RandomAccess.Write(_handle, prefix, _position);
            RandomAccess.Write(_handle, body, _position + 4);
            Durability.SyncAll(_handle, _path);
            _position += 4 + body.Length;
        }
    }

    public void Dispose() => _handle.Dispose();
}

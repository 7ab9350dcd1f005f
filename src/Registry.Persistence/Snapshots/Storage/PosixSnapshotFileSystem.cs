using Microsoft.Win32.SafeHandles;
using Registry.Persistence.IO;

namespace Registry.Persistence.Snapshots.Storage;

/// <summary>The real file system: <see cref="RandomAccess"/> writes, checked fdatasync and directory fsync from <see cref="Durability"/>.</summary>
internal sealed class PosixSnapshotFileSystem : ISnapshotFileSystem
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static PosixSnapshotFileSystem Instance { get; } = new();

    public bool Exists(string path) => File.Exists(path);

    public ISnapshotFile CreateTemp(string path)
    {
        // A leftover temp keeps its old mode if merely truncated, so remove it and create anew: the snapshot holds
        // network and admin tokens and must be 0600 (Go creates it 0644, spec §7.12).
        File.Delete(path);
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = 0,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerReadWrite;
        }

        var stream = new FileStream(path, options);
        return new TempFile(stream, path);
    }

    public void Rename(string source, string destination) => File.Move(source, destination, overwrite: true);

    public void SyncDirectory(string directory) => Durability.SyncDirectory(directory);

    public void Delete(string path) => File.Delete(path);

    private sealed class TempFile(FileStream stream, string path) : ISnapshotFile
    {
        // Start write-back every 8 MiB so the disk works while the rest is encoded (see WritebackHint).
        private const long HintInterval = 8 << 20;

        private readonly SafeFileHandle _handle = stream.SafeFileHandle;
        private long _offset;
        private long _hinted;

        public void Write(ReadOnlySpan<byte> data)
        {
            RandomAccess.Write(_handle, data, _offset);
            _offset += data.Length;
            if (_offset - _hinted >= HintInterval)
            {
                WritebackHint.Start(_handle, _hinted, _offset - _hinted);
                _hinted = _offset;
            }
        }

        public void Sync() => Durability.SyncData(_handle, path);

        public void Dispose() => stream.Dispose();
    }
}

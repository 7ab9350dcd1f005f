using Microsoft.Win32.SafeHandles;

namespace Registry.Persistence.IO;

/// <summary>The real file system: <see cref="File.OpenHandle(string, FileMode, FileAccess, FileShare, FileOptions, long)"/> + <see cref="RandomAccess"/> and checked libc syncs.</summary>
internal sealed class OsStorage : IStorage
{
    /// <summary>The shared instance.</summary>
    public static OsStorage Instance { get; } = new();

    public IStorageFile Open(string path, bool writable) =>
        new OsFile(path, File.OpenHandle(path, FileMode.Open, writable ? FileAccess.ReadWrite : FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));

    public IStorageFile Create(string path)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.ReadWrite | FileShare.Delete,
            BufferSize = 0,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        // File.OpenHandle cannot set the creation mode, and a chmod after creation leaves a window in
        // which the file is readable by others; an unbuffered FileStream can, and owns the handle we use.
        var stream = new FileStream(path, options);
        return new OsFile(path, stream.SafeFileHandle, stream);
    }

    public IReadOnlyList<string> List(string directory, string pattern) =>
        Directory.Exists(directory) ? Directory.GetFiles(directory, pattern) : [];

    public void Delete(string path) => File.Delete(path);

    public void SyncDirectory(string directory) => Durability.SyncDirectory(directory);

    private sealed class OsFile(string path, SafeFileHandle handle, IDisposable? owner = null) : IStorageFile
    {
        public string Path { get; } = path;

        public long Length => RandomAccess.GetLength(handle);

        public int Read(Span<byte> buffer, long offset) => RandomAccess.Read(handle, buffer, offset);

        public void Write(ReadOnlySpan<byte> data, long offset) => RandomAccess.Write(handle, data, offset);

        public void Sync() => Durability.SyncData(handle, Path);

        public void SetLength(long length) => RandomAccess.SetLength(handle, length);

        public void Dispose()
        {
            if (owner is not null)
            {
                owner.Dispose();
            }
            else
            {
                handle.Dispose();
            }
        }
    }
}

using Registry.Persistence.IO;

namespace Registry.Persistence.Tests.IO;

/// <summary>The real file system with injected failures: the Nth write or sync throws, optionally after writing part of its bytes.</summary>
internal sealed class FaultyStorage : IStorage
{
    private int _writes;
    private int _syncs;

    /// <summary>1-based index of the write call that fails; 0 = never.</summary>
    public int FailWriteAt { get; set; }

    /// <summary>How many bytes of the failing write reach the file before it throws (a torn write).</summary>
    public int PartialBytes { get; set; }

    /// <summary>1-based index of the sync call that fails; 0 = never.</summary>
    public int FailSyncAt { get; set; }

    /// <summary>When set, every sync waits for this gate (after counting itself and completing <see cref="SyncEntered"/>), to hold the log's flusher mid-sync.</summary>
    public SemaphoreSlim? SyncGate { get; set; }

    /// <summary>Completes when a sync starts waiting at <see cref="SyncGate"/>.</summary>
    public TaskCompletionSource SyncEntered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Writes => _writes;

    public int Syncs => _syncs;

    public IStorageFile Open(string path, bool writable) => new FaultyFile(this, OsStorage.Instance.Open(path, writable));

    public IStorageFile Create(string path) => new FaultyFile(this, OsStorage.Instance.Create(path));

    public IReadOnlyList<string> List(string directory, string pattern) => OsStorage.Instance.List(directory, pattern);

    public void Delete(string path) => OsStorage.Instance.Delete(path);

    public void SyncDirectory(string directory) => OsStorage.Instance.SyncDirectory(directory);

    private sealed class FaultyFile(FaultyStorage owner, IStorageFile inner) : IStorageFile
    {
        public string Path => inner.Path;

        public long Length => inner.Length;

        public int Read(Span<byte> buffer, long offset) => inner.Read(buffer, offset);

        public void Write(ReadOnlySpan<byte> data, long offset)
        {
            if (Interlocked.Increment(ref owner._writes) == owner.FailWriteAt)
            {
                inner.Write(data[..Math.Min(owner.PartialBytes, data.Length)], offset);
                throw new IOException("injected write failure (ENOSPC)");
            }

            inner.Write(data, offset);
        }

        public void Sync()
        {
            if (Interlocked.Increment(ref owner._syncs) == owner.FailSyncAt)
            {
                throw new IOException("injected fdatasync failure (EIO)");
            }

            if (owner.SyncGate is { } gate)
            {
                owner.SyncEntered.TrySetResult();
                gate.Wait();
            }

            inner.Sync();
        }

        public void SetLength(long length) => inner.SetLength(length);

        public void Dispose() => inner.Dispose();
    }
}

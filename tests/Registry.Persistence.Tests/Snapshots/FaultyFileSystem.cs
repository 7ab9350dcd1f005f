using Registry.Persistence.Snapshots.Storage;

namespace Registry.Persistence.Tests.Snapshots;

/// <summary>The real file system with a fault injected at the Nth operation (1-based); records the operations seen.</summary>
internal sealed class FaultyFileSystem(int failAt, FaultKind kind) : ISnapshotFileSystem
{
    private readonly PosixSnapshotFileSystem _real = PosixSnapshotFileSystem.Instance;
    private int _count;

    public List<string> Operations { get; } = [];

    public bool Exists(string path) => _real.Exists(path);

    public ISnapshotFile CreateTemp(string path)
    {
        Enter("create");
        return new FaultyFile(this, _real.CreateTemp(path));
    }

    public void Rename(string source, string destination)
    {
        Enter($"rename {Path.GetFileName(source)} -> {Path.GetFileName(destination)}");
        _real.Rename(source, destination);
    }

    public void SyncDirectory(string directory)
    {
        Enter("sync-dir");
        _real.SyncDirectory(directory);
    }

    public void Delete(string path) => _real.Delete(path);

    /// <summary>Counts an operation and returns true when it is the one to fail.</summary>
    private bool Hit(string step)
    {
        Operations.Add(step);
        return ++_count == failAt;
    }

    private void Enter(string step)
    {
        if (Hit(step))
        {
            Fail(step);
        }
    }

    private void Fail(string step)
    {
        if (kind == FaultKind.Crash)
        {
            throw new SimulatedCrashException(step);
        }

        throw new IOException($"injected I/O error at {step}");
    }

    private sealed class FaultyFile(FaultyFileSystem fs, ISnapshotFile inner) : ISnapshotFile
    {
        public void Write(ReadOnlySpan<byte> data)
        {
            if (fs.Hit("write"))
            {
                // A torn write: half the chunk reaches the file, then the failure.
                inner.Write(data[..(data.Length / 2)]);
                fs.Fail("write");
            }

            inner.Write(data);
        }

        public void Sync()
        {
            fs.Enter("sync");
            inner.Sync();
        }

        public void Dispose() => inner.Dispose();
    }
}

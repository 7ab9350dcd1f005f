using Registry.Persistence.Snapshots.Storage;

namespace Registry.Persistence.Tests.Snapshots;

/// <summary>
/// An in-memory file system that knows what a power loss keeps: file data only up to its last sync, directory
/// entries only as of the last directory sync plus any subset of the renames and deletes issued since (applied in
/// order). <see cref="PossibleStatesAfterPowerLoss"/> enumerates every such outcome.
/// </summary>
internal sealed class PowerLossFileSystem : ISnapshotFileSystem
{
    private Dictionary<string, Inode> _durable = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Inode> _current = new(StringComparer.Ordinal);
    private readonly List<(string? Source, string Destination, Inode? Created)> _pending = [];
    private int _operations;

    /// <summary>Operations (create, write, sync, rename, sync-dir, delete) after which the next one "loses power".</summary>
    public int CrashAfter { get; set; } = int.MaxValue;

    public bool Exists(string path) => _current.ContainsKey(path);

    public ISnapshotFile CreateTemp(string path)
    {
        Step();
        var inode = new Inode();
        _current[path] = inode;
        _pending.Add((null, path, inode));
        return new File(this, inode);
    }

    public void Rename(string source, string destination)
    {
        Step();
        _current[destination] = _current[source];
        _ = _current.Remove(source);
        _pending.Add((source, destination, null));
    }

    public void SyncDirectory(string directory)
    {
        Step();
        _durable = new Dictionary<string, Inode>(_current, StringComparer.Ordinal);
        _pending.Clear();
    }

    public void Delete(string path)
    {
        if (_current.Remove(path))
        {
            _pending.Add((path, string.Empty, null));
        }
    }

    /// <summary>Every directory the disk may hold after a power loss now: name to the bytes that survived.</summary>
    public IEnumerable<Dictionary<string, byte[]>> PossibleStatesAfterPowerLoss()
    {
        for (var mask = 0; mask < 1 << _pending.Count; mask++)
        {
            var names = new Dictionary<string, Inode>(_durable, StringComparer.Ordinal);
            for (var i = 0; i < _pending.Count; i++)
            {
                if ((mask & (1 << i)) == 0)
                {
                    continue;
                }

                var (source, destination, created) = _pending[i];
                if (created is not null)
                {
                    names[destination] = created;
                }
                else if (source is not null && names.Remove(source, out var inode) && destination.Length > 0)
                {
                    names[destination] = inode;
                }
            }

            yield return names.ToDictionary(p => p.Key, p => p.Value.Data.Take(p.Value.Synced).ToArray(), StringComparer.Ordinal);
        }
    }

    private void Step()
    {
        if (++_operations > CrashAfter)
        {
            throw new SimulatedCrashException($"operation {_operations}");
        }
    }

    private sealed class Inode
    {
        public List<byte> Data { get; } = [];

        public int Synced { get; set; }
    }

    private sealed class File(PowerLossFileSystem fs, Inode inode) : ISnapshotFile
    {
        public void Write(ReadOnlySpan<byte> data)
        {
            fs.Step();
            inode.Data.AddRange(data.ToArray());
        }

        public void Sync()
        {
            fs.Step();
            inode.Synced = inode.Data.Count;
        }

        public void Dispose()
        {
        }
    }
}

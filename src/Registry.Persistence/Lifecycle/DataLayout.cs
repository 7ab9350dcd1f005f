namespace Registry.Persistence.Lifecycle;

/// <summary>The files of a data directory, in our layout and in the Go registry's.</summary>
/// <remarks>
/// Ours: <c>snapshot.json</c> (+ <c>.1</c>, the previous generation) and <c>wal/</c> with segment files.
/// Go's: <c>registry.json</c> and <c>registry.json.wal</c>. When both are present ours wins: a Go directory is
/// migrated by writing our first snapshot, after which the Go files are left untouched and ignored.
/// </remarks>
public sealed class DataLayout(string directory)
{
    /// <summary>The snapshot file name of our layout.</summary>
    public const string SnapshotFileName = "snapshot.json";

    /// <summary>The snapshot file name of the Go layout.</summary>
    public const string GoSnapshotFileName = "registry.json";

    /// <summary>The data directory.</summary>
    public string Directory { get; } = Path.GetFullPath(directory);

    /// <summary>Our log directory.</summary>
    public string WalDirectory => Path.Combine(Directory, "wal");

    /// <summary>The Go snapshot file.</summary>
    public string GoSnapshotPath => Path.Combine(Directory, GoSnapshotFileName);

    /// <summary>The Go log file.</summary>
    public string GoWalPath => GoSnapshotPath + ".wal";

    /// <summary>Whether the directory holds any file of our layout.</summary>
    public bool HasOurs =>
        File.Exists(Path.Combine(Directory, SnapshotFileName))
        || File.Exists(Path.Combine(Directory, SnapshotFileName + ".1"))
        || (System.IO.Directory.Exists(WalDirectory) && System.IO.Directory.EnumerateFiles(WalDirectory, "*.wal").Any());

    /// <summary>Whether the directory holds a Go registry's files and none of ours: it must be migrated.</summary>
    public bool IsGoLayout => !HasOurs && (File.Exists(GoSnapshotPath) || File.Exists(GoWalPath));
}

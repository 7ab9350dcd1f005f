namespace Registry.Persistence.Snapshots.Storage;

/// <summary>
/// The handful of file operations the atomic snapshot write is made of. A seam so tests can fail or "crash" at each
/// step; production uses <see cref="PosixSnapshotFileSystem"/>.
/// </summary>
internal interface ISnapshotFileSystem
{
    /// <summary>True when a regular file exists at <paramref name="path"/>.</summary>
    bool Exists(string path);

    /// <summary>Creates <paramref name="path"/> afresh with mode 0600 (removing any leftover first) and opens it for writing.</summary>
    ISnapshotFile CreateTemp(string path);

    /// <summary>Atomically replaces <paramref name="destination"/> with <paramref name="source"/> (rename(2)).</summary>
    void Rename(string source, string destination);

    /// <summary>Makes the directory's entries (renames) durable.</summary>
    void SyncDirectory(string directory);

    /// <summary>Removes a file if it exists.</summary>
    void Delete(string path);
}

namespace Registry.Persistence.Snapshots.Storage;

/// <summary>A file being written sequentially by the atomic snapshot write.</summary>
internal interface ISnapshotFile : IDisposable
{
    /// <summary>Appends <paramref name="data"/> at the current end of what was written.</summary>
    void Write(ReadOnlySpan<byte> data);

    /// <summary>Makes the written data durable (fdatasync); throws on any reported error.</summary>
    void Sync();
}

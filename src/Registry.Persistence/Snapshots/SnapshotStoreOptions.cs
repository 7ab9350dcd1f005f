namespace Registry.Persistence.Snapshots;

/// <summary>Where a <see cref="SnapshotStore"/> keeps its files.</summary>
/// <remarks>
/// Defaults: <see cref="FileName"/> = <c>snapshot.json</c> (the Go layout uses <c>registry.json</c>);
/// <see cref="WriteChunkSize"/> = 1 MiB. The previous generation is <c>FileName + ".1"</c>, the temp file
/// <c>FileName + ".tmp"</c>, a refused current generation is moved aside to <c>FileName + ".corrupt"</c>.
/// </remarks>
public sealed class SnapshotStoreOptions
{
    /// <summary>The directory holding the snapshot files; created if missing. Required.</summary>
    public required string Directory { get; init; }

    /// <summary>The current generation's file name, without directory. Default <c>snapshot.json</c>.</summary>
    public string FileName { get; init; } = "snapshot.json";

    /// <summary>Bytes buffered before each write to the temp file. Default 1 MiB; at least 4 KiB.</summary>
    public int WriteChunkSize { get; init; } = 1 << 20;

    /// <summary>Throws <see cref="InvalidOperationException"/> naming the first unusable value; the store calls it once, in its constructor.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Directory))
        {
            throw new InvalidOperationException("SnapshotStoreOptions.Directory is required");
        }

        if (string.IsNullOrWhiteSpace(FileName) || FileName.IndexOfAny(['/', '\\']) >= 0 || FileName is "." or "..")
        {
            throw new InvalidOperationException($"SnapshotStoreOptions.FileName '{FileName}' must be a plain file name");
        }

        if (WriteChunkSize < 4096)
        {
            throw new InvalidOperationException("SnapshotStoreOptions.WriteChunkSize must be at least 4096");
        }
    }
}

namespace Registry.Persistence.Snapshots;

/// <summary>A snapshot save failed; the step that failed is named. The previously saved generations are left loadable.</summary>
public sealed class SnapshotWriteException : PersistenceException
{
    /// <summary>Creates the exception.</summary>
    public SnapshotWriteException(string step, string path, Exception innerException)
        : base($"snapshot save failed at '{step}': {innerException?.Message}", path, -1, innerException)
    {
        Step = step;
    }

    /// <summary>The step of the atomic write that failed (create, write, sync, rename, sync-dir).</summary>
    public string Step { get; }
}

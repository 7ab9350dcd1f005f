namespace Registry.Persistence.Snapshots;

/// <summary>A snapshot file was refused: it does not decode, does not verify, or is of an unknown version. No state is taken from it.</summary>
public sealed class SnapshotCorruptException : PersistenceException
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public SnapshotCorruptException(SnapshotProblem problem, string message, string? path, long offset = -1, Exception? innerException = null)
        : base($"snapshot refused ({problem}): {message}", path, offset, innerException)
    {
        Problem = problem;
        Reason = message;
    }

    /// <summary>The kind of damage.</summary>
    public SnapshotProblem Problem { get; }

    /// <summary>The reason, without the file name.</summary>
    public string Reason { get; }
}

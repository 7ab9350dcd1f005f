namespace Registry.Persistence;

/// <summary>Base of every failure raised by the persistence layer; names the file and, where known, the byte offset.</summary>
public class PersistenceException : IOException
{
    /// <summary>Creates the exception.</summary>
    public PersistenceException(string message, string? path = null, long offset = -1, Exception? innerException = null)
        : base(Compose(message, path, offset), innerException)
    {
        FilePath = path;
        Offset = offset;
    }

    /// <summary>The file concerned, when there is one.</summary>
    public string? FilePath { get; }

    /// <summary>The byte offset in <see cref="FilePath"/>, or -1 when not applicable.</summary>
    public long Offset { get; }

    private static string Compose(string message, string? path, long offset) =>
        path is null ? message
        : offset < 0 ? $"{message} (file {path})"
        : $"{message} (file {path}, offset {offset})";
}

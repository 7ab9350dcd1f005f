namespace Registry.Persistence.Json;

/// <summary>A value cannot be written the way Go's encoder would write it (for example, invalid raw JSON); Go fails the whole marshal in that case.</summary>
public sealed class GoJsonException : PersistenceException
{
    /// <summary>Creates the exception; <paramref name="offset"/> is the position inside the offending value.</summary>
    public GoJsonException(string message, long offset = -1, Exception? innerException = null)
        : base(message, path: null, offset, innerException)
    {
    }
}

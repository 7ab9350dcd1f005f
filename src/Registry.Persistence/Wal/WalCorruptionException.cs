namespace Registry.Persistence.Wal;

/// <summary>The log is damaged somewhere other than its tail; names the file, offset and the sequence expected there.</summary>
public sealed class WalCorruptionException(string message, string path, long offset, ulong expectedSequence)
    : PersistenceException(message, path, offset)
{
    /// <summary>The sequence number the damaged record should have had.</summary>
    public ulong ExpectedSequence { get; } = expectedSequence;
}

namespace Registry.Persistence.Wal;

/// <summary>The log is at its size cap; the entry was not appended (the seed's ErrWALFull).</summary>
public sealed class WalFullException(string message, string path) : PersistenceException(message, path);

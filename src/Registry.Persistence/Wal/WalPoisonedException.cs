namespace Registry.Persistence.Wal;

/// <summary>A write or sync failed earlier; the log refuses every later append until it is reopened.</summary>
public sealed class WalPoisonedException(string message, string path, Exception? cause)
    : PersistenceException(message, path, -1, cause);

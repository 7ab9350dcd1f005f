namespace Registry.Persistence.IO;

/// <summary>Raised when a directory is already locked by another writer.</summary>
public sealed class DirectoryLockedException(string message, string path)
    : PersistenceException(message, path);

namespace Registry.Persistence.Lifecycle;

/// <summary>Recovery refused to start: the files are damaged in a way that would lose acknowledged data if ignored.</summary>
public sealed class RecoveryException(string message, string? path = null, long offset = -1, Exception? innerException = null)
    : PersistenceException(message, path, offset, innerException);

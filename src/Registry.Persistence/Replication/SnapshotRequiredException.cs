namespace Registry.Persistence.Replication;

/// <summary>The log no longer holds the entries a subscriber asked for (or it asked for entries the primary never had); it needs a full snapshot.</summary>
public sealed class SnapshotRequiredException(string message) : PersistenceException(message);

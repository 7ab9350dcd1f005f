namespace Registry.Persistence.Replication;

/// <summary>A subscriber fell so far behind that its queue overflowed; it should resubscribe from its last applied sequence.</summary>
public sealed class SubscriberLaggingException(string message) : PersistenceException(message);

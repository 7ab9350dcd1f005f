namespace Registry.Persistence.Wal;

/// <summary>An entry handed to the log: its sequence number, and a task that completes when it is acknowledged.</summary>
public readonly record struct AppendTicket(ulong Sequence, Task Acknowledged);

namespace Registry.Persistence.Replication;

/// <summary>A run of encoded log records with consecutive sequence numbers, as sent to a standby.</summary>
public readonly record struct ReplicationChunk(ulong FirstSeq, ulong LastSeq, ReadOnlyMemory<byte> Frames);

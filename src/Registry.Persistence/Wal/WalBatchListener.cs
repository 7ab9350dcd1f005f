namespace Registry.Persistence.Wal;

/// <summary>Receives an acknowledged batch of encoded records with its sequence range; the bytes are valid only during the call.</summary>
public delegate void WalBatchListener(ReadOnlySpan<byte> frames, ulong firstSeq, ulong lastSeq);

namespace Registry.Persistence.Snapshots;

/// <summary>What a successful <see cref="SnapshotStore.Save"/> made durable.</summary>
/// <param name="Path">The current generation's file.</param>
/// <param name="Checksum">The checksum written (64 lowercase hex).</param>
/// <param name="Length">The file size in bytes.</param>
/// <param name="WalSeq">The <c>wal_seq</c> written.</param>
public sealed record SnapshotSaveResult(string Path, string Checksum, long Length, ulong WalSeq);

using Registry.Persistence.Snapshots.Model;

namespace Registry.Persistence.Snapshots;

/// <summary>A snapshot file that decoded and verified (or is a valid legacy version-0 file), with what was learnt while reading it.</summary>
public sealed class VerifiedSnapshot
{
    /// <summary>The file read.</summary>
    public required string Path { get; init; }

    /// <summary>The decoded document.</summary>
    public required Snapshot Snapshot { get; init; }

    /// <summary>The file size in bytes.</summary>
    public required long Length { get; init; }

    /// <summary>The version member (0 when absent).</summary>
    public long Version => Snapshot.Version;

    /// <summary>True for a version-0 file, which carries no checksum and is loaded unverified.</summary>
    public bool IsLegacy => Snapshot.Version == 0;

    /// <summary>The verified checksum (64 lowercase hex), or <see langword="null"/> for a legacy file without one.</summary>
    public string? Checksum { get; init; }

    /// <summary>True when a checksum was present and matched; false only for legacy files without one.</summary>
    public bool ChecksumVerified => Checksum is not null;

    /// <summary>The sequence number of the last delta the snapshot contains (our <c>wal_seq</c>), 0 when absent.</summary>
    public ulong WalSeq => Snapshot.WalSeq;
}

using Registry.Persistence.Snapshots.Model;

namespace Registry.Persistence.Snapshots;

/// <summary>What <see cref="SnapshotStore.Load"/> found: the generation used and every generation refused, or explicitly none.</summary>
public sealed class SnapshotLoadResult
{
    /// <summary>False when no snapshot file exists at all (a fresh directory); never false because of damage, which throws.</summary>
    public required bool Found { get; init; }

    /// <summary>The file used, or <see langword="null"/> when none was found.</summary>
    public string? Path { get; init; }

    /// <summary>0 = current, 1 = previous; -1 when none was found.</summary>
    public int Generation { get; init; } = -1;

    /// <summary>The verified file, when found.</summary>
    public VerifiedSnapshot? File { get; init; }

    /// <summary>The decoded snapshot, when found.</summary>
    public Snapshot? Snapshot => File?.Snapshot;

    /// <summary>The version read (0 for legacy).</summary>
    public long Version => File?.Version ?? 0;

    /// <summary>True when the file used is a legacy version-0 file without checksum.</summary>
    public bool IsLegacy => File?.IsLegacy ?? false;

    /// <summary>The verified checksum, or <see langword="null"/> for legacy or none.</summary>
    public string? Checksum => File?.Checksum;

    /// <summary>The last delta sequence the snapshot contains (0 when unknown or none).</summary>
    public ulong WalSeq => File?.WalSeq ?? 0;

    /// <summary>Why this generation was used, in words.</summary>
    public required string Explanation { get; init; }

    /// <summary>Generations that exist but were refused, newest first.</summary>
    public IReadOnlyList<RejectedGeneration> Rejected { get; init; } = [];
}

using Registry.Persistence.Deltas;
using Registry.Persistence.Snapshots.Model;

namespace Registry.Persistence.Lifecycle;

/// <summary>The registry state as the persistence lifecycle sees it: restored from a snapshot, advanced by deltas, captured for the next snapshot.</summary>
/// <remarks>The persistence layer knows nothing of the registry's types; the registry adapts its state to this contract.</remarks>
public interface IStateMachine
{
    /// <summary>Replaces the whole state with <paramref name="snapshot"/>, or with the initial state of a new registry when it is null.</summary>
    /// <param name="snapshot">The verified snapshot, or null when the directory has none.</param>
    /// <param name="layout">Which files are being recovered: a Go directory follows the Go start-up order (backbone created after replay).</param>
    void Restore(Snapshot? snapshot, DataLayoutKind layout);

    /// <summary>Applies one delta of our log; throws when the entry cannot be applied.</summary>
    void Apply(in DeltaEntry entry);

    /// <summary>Applies one entry of a Go-written log with the Go replay semantics; throws when it cannot be applied.</summary>
    void ApplyLegacy(in DeltaEntry entry);

    /// <summary>Called once after replay; <paramref name="snapshotLoaded"/> is false on a fresh start.</summary>
    void RecoveryCompleted(bool snapshotLoaded, DataLayoutKind layout);

    /// <summary>Captures the state together with the sequence number of the last delta it contains, atomically with respect to mutations.</summary>
    (Snapshot Snapshot, ulong Sequence) Capture();

    /// <summary>As <see cref="Capture"/>, for a snapshot that is only encoded (the save loop's): the state may hand its nodes over as <see cref="Snapshot.NodeSource"/>.</summary>
    (Snapshot Snapshot, ulong Sequence) CaptureForEncoding() => Capture();
}

using Registry.Persistence.Deltas;
using Registry.Persistence.Snapshots.Model;

namespace Registry.Persistence.Lifecycle;

/// <summary>The registry state as the persistence lifecycle sees it: restored from a snapshot, advanced by deltas, captured for the next snapshot.</summary>
/// <remarks>The persistence layer knows nothing of the registry's types; the server adapts its state to this contract.</remarks>
public interface IStateMachine
{
    /// <summary>Replaces the whole state with <paramref name="snapshot"/>, or with the empty initial state when it is null.</summary>
    void Restore(Snapshot? snapshot);

    /// <summary>Applies one logged delta; throws when the entry cannot be applied.</summary>
    void Apply(in DeltaEntry entry);

    /// <summary>Called once after replay; <paramref name="snapshotLoaded"/> is false on a fresh start (the Go layout then creates the backbone here).</summary>
    void RecoveryCompleted(bool snapshotLoaded);

    /// <summary>Captures the state together with the sequence number of the last delta it contains, atomically with respect to mutations.</summary>
    (Snapshot Snapshot, ulong Sequence) Capture();
}

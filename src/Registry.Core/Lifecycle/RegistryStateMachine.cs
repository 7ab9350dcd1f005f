using Registry.Persistence.Deltas;
using Registry.Persistence.Lifecycle;
using Registry.Persistence.Snapshots.Model;

namespace Registry.Core.Lifecycle;

/// <summary>Presents a <see cref="NodeRegistry"/> to the persistence lifecycle (<see cref="Store"/>).</summary>
/// <remarks>
/// In our layout a new registry has its backbone network before anything is replayed, so replayed registrations
/// join it exactly as they did live. A Go directory without a snapshot follows the Go start-up order instead:
/// replay first, backbone after (format-spec §1 step 4), which is what the Go registry's files describe.
/// </remarks>
public sealed class RegistryStateMachine(NodeRegistry registry) : IStateMachine
{
    /// <summary>A state machine over a registry that refuses every mutation: for recovering a directory read-only (tools, tests).</summary>
    public static RegistryStateMachine ReadOnly() => new(new NodeRegistry(ReadOnlyDeltaLog.Instance));

    /// <summary>The registry being recovered and captured.</summary>
    public NodeRegistry Registry { get; } = registry;

    private readonly List<string> _warnings = [];

    /// <summary>Warnings from the last restore (skipped nodes, repaired roles, …).</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <inheritdoc/>
    public void Restore(Snapshot? snapshot, DataLayoutKind layout)
    {
        _warnings.Clear();
        Registry.Restore(snapshot, _warnings);
        if (snapshot is null && layout == DataLayoutKind.Pilot)
        {
            Registry.EnsureBackbone();
        }
    }

    /// <inheritdoc/>
    public void Apply(in DeltaEntry entry) => Registry.Apply(entry);

    /// <inheritdoc/>
    public void ApplyLegacy(in DeltaEntry entry) => Registry.ApplyLegacy(entry);

    /// <inheritdoc/>
    public void RecoveryCompleted(bool snapshotLoaded, DataLayoutKind layout)
    {
        if (!snapshotLoaded && layout == DataLayoutKind.Go)
        {
            Registry.EnsureBackbone();
        }
    }

    /// <inheritdoc/>
    public (Snapshot Snapshot, ulong Sequence) Capture() => Registry.CaptureSnapshot();

    /// <inheritdoc/>
    public (Snapshot Snapshot, ulong Sequence) CaptureForEncoding() => Registry.CaptureForEncoding();
}

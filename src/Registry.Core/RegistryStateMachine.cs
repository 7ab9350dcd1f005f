using Registry.Persistence.Deltas;
using Registry.Persistence.Lifecycle;
using Registry.Persistence.Snapshots.Model;

namespace Registry.Core;

/// <summary>Adapts <see cref="NodeRegistry"/> to the persistence lifecycle's <see cref="IStateMachine"/> (restore, replay, capture).</summary>
/// <remarks>
/// The two data layouts need different replay rules, so the caller says which one it opens
/// (<see cref="DataLayout.IsGoLayout"/>, read before <see cref="Store.Open"/>):
/// <list type="bullet">
/// <item>Go layout: entries are applied with Go's rules (<see cref="NodeRegistry.ApplyLegacy"/>), and on a fresh
/// start the backbone is created after replay, so replayed nodes are not its members (format-spec §1 step 4).</item>
/// <item>Our layout: a fresh state gets its backbone before replay, as it had when those deltas were first applied
/// live, so replayed registrations join it again. Its creation time is the moment of that first restore; until
/// the first snapshot records it, a restart re-dates it (a cosmetic field).</item>
/// </list>
/// </remarks>
public sealed class RegistryStateMachine : IStateMachine
{
    private readonly NodeRegistry _registry;
    private readonly bool _goLayout;

    /// <summary>Creates the adapter for a registry and the layout about to be opened.</summary>
    public RegistryStateMachine(NodeRegistry registry, bool goLayout)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _registry = registry;
        _goLayout = goLayout;
    }

    /// <summary>Problems found while restoring the last snapshot (skipped nodes, cleared duplicate hostnames), for the startup log.</summary>
    public IReadOnlyList<string> RestoreWarnings { get; private set; } = [];

    /// <inheritdoc/>
    public void Restore(Snapshot? snapshot)
    {
        var warnings = new List<string>();
        _registry.Restore(snapshot, warnings);
        RestoreWarnings = warnings;
        if (snapshot is null && !_goLayout)
        {
            _registry.EnsureBackbone();
        }
    }

    /// <inheritdoc/>
    public void Apply(in DeltaEntry entry)
    {
        if (_goLayout)
        {
            _registry.ApplyLegacy(entry);
        }
        else
        {
            _registry.Apply(entry);
        }
    }

    /// <inheritdoc/>
    public void RecoveryCompleted(bool snapshotLoaded)
    {
        if (!snapshotLoaded)
        {
            _registry.EnsureBackbone();
        }
    }

    /// <inheritdoc/>
    public (Snapshot Snapshot, ulong Sequence) Capture() => _registry.CaptureSnapshot();
}

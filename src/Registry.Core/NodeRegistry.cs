using Registry.Persistence.Deltas;
using Registry.Persistence.Deltas.Payloads;
using Registry.Persistence.Diagnostics;
using Registry.Persistence.Snapshots.Model;

namespace Registry.Core;

/// <summary>The registry: validated mutations, each logged as exactly one delta, plus the queries the server answers.</summary>
/// <remarks>
/// <para>Every mutation (1) validates the request against the current state and throws <see cref="RegistryException"/>
/// without changing anything when it is refused; (2) builds one delta carrying the resulting values; (3) hands it
/// to <see cref="IDeltaLog.Enqueue"/>, which assigns the sequence; (4) applies it through <see cref="Apply"/>, the same
/// code replay uses, so live and replayed state cannot drift. Enqueue comes before apply so that a refused append
/// (log full or poisoned) leaves the state untouched. The result carries the sequence to await for durability.</para>
/// <para>Threading: one lock guards the state and every public member takes it, so the type is thread-safe and the
/// log order is the apply order. Only <see cref="CaptureSnapshot"/> works partly outside it, on a private copy.
/// The clock (<see cref="TimeProvider"/>) is read only while building deltas, never while applying them.</para>
/// <para>Failure policy: validation guarantees the apply succeeds; if it ever threw after the enqueue (a bug), the
/// logged entry would fail the same way at the next replay, and recovery stops there loudly rather than guessing.</para>
/// <para>Authentication (signatures, admin tokens) is the caller's job; rules about state (network tokens, roles
/// through <see cref="RoleOf"/>) are checked or exposed here.</para>
/// <para>The type is not named <c>Registry</c> because that is the root namespace of every project: in
/// <c>Registry.Server</c> the name would bind to the namespace.</para>
/// </remarks>
public sealed partial class NodeRegistry
{
    private readonly Lock _lock = new();
    private RegistryState _state = new();
    private long _stateVersion;
    private readonly IDeltaLog _log;
    private readonly TimeProvider _time;
    private readonly RegistryOptions _options;
    private uint[] _reapOrder = [];
    private int _reapCursor;
    private ulong _lastAppliedSequence;
    private long _appliedCount;
    private long _ignoredCount;

    /// <summary>Creates an empty registry without the backbone network; call <see cref="EnsureBackbone()"/> at the point the startup order needs it.</summary>
    public NodeRegistry(IDeltaLog log, TimeProvider? time = null, RegistryOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(log);
        _log = log;
        _time = time ?? TimeProvider.System;
        _options = options ?? new RegistryOptions();
    }

    /// <summary>The highest sequence number applied so far (live or replayed from our log, or restored from a snapshot); Go-written entries do not move it.</summary>
    public ulong LastAppliedSequence
    {
        get
        {
            lock (_lock)
            {
                return _lastAppliedSequence;
            }
        }
    }

    /// <summary>A number that changes whenever the state may have changed (every applied delta, restore or backbone creation); equal values mean equal state.</summary>
    /// <remarks>Unlike <see cref="LastAppliedSequence"/> it also moves for Go-written entries and Go-style snapshot restores, so caches can key on it.</remarks>
    public long StateVersion
    {
        get
        {
            lock (_lock)
            {
                return _stateVersion;
            }
        }
    }

    /// <summary>Number of entries applied (including ignored kinds), as Go's replay counts them.</summary>
    public long AppliedCount
    {
        get
        {
            lock (_lock)
            {
                return _appliedCount;
            }
        }
    }

    /// <summary>Number of entries whose kind was ignored (unknown kinds, or our kinds during a Go-format replay).</summary>
    public long IgnoredCount
    {
        get
        {
            lock (_lock)
            {
                return _ignoredCount;
            }
        }
    }

    /// <summary>Applies a logged delta (replay of our log); kinds this build does not know are counted and ignored.</summary>
    /// <exception cref="InvalidDeltaException">The entry cannot be applied; the state is unchanged and replay should stop.</exception>
    public void Apply(in DeltaEntry entry)
    {
        lock (_lock)
        {
            ApplyLocked(entry, goKindsOnly: false);
        }
    }

    /// <summary>Applies an entry of a Go-written log: only kinds 1, 2, 9, 10, 11, 12 and 14 act; the rest are counted and ignored, as Go does.</summary>
    /// <remarks>Go never wrote kinds 3–8 and 13, so their bodies in such a log are not ours to interpret (format-spec §3.1).</remarks>
    /// <exception cref="InvalidDeltaException">The entry cannot be applied; the state is unchanged and replay should stop.</exception>
    public void ApplyLegacy(in DeltaEntry entry)
    {
        lock (_lock)
        {
            ApplyLocked(entry, goKindsOnly: true);
        }
    }

    /// <summary>Creates the backbone network 0 (name "backbone", join rule "open", no members) if absent, dated now; returns whether it was created.</summary>
    /// <remarks>
    /// Not logged: its only input is the moment of the call. A fresh data directory creates it before anything else;
    /// a Go directory without a snapshot creates it after replaying the Go log, as Go does (format-spec §1 step 4).
    /// </remarks>
    public bool EnsureBackbone() => EnsureBackbone(Times.Truncate(_time.GetUtcNow()));

    /// <summary>Creates the backbone network 0 with the given creation time if absent; returns whether it was created.</summary>
    public bool EnsureBackbone(DateTimeOffset created)
    {
        lock (_lock)
        {
            if (_state.Networks.ContainsKey(RegistryState.BackboneId))
            {
                return false;
            }

            _state.Networks.Add(RegistryState.BackboneId, new NetworkState
            {
                Id = RegistryState.BackboneId,
                Name = "backbone",
                JoinRule = JoinRules.Open,
                Created = created.ToUniversalTime(),
            });
            _stateVersion++;
            return true;
        }
    }

    /// <summary>Captures the state as a snapshot document together with the sequence of the last delta it contains, atomically with respect to mutations.</summary>
    /// <remarks>Only a copy of the state is taken under the lock; the conversion, several times slower, runs outside it.</remarks>
    public (Snapshot Snapshot, ulong Sequence) CaptureSnapshot() => Capture(forEncoding: false);

    /// <summary>As <see cref="CaptureSnapshot"/>, for a caller that only encodes the snapshot: its nodes are a <see cref="Snapshot.NodeSource"/>, converted while the encoder writes them, and <see cref="Snapshot.Nodes"/> is null.</summary>
    /// <remarks>
    /// The save loop's capture: at a few hundred thousand nodes, a model object, key text and lists per node per save
    /// were most of what a save allocated (about 500 bytes a node), all alive until the file was written.
    /// </remarks>
    public (Snapshot Snapshot, ulong Sequence) CaptureForEncoding() => Capture(forEncoding: true);

    private (Snapshot Snapshot, ulong Sequence) Capture(bool forEncoding)
    {
        RegistryState copy;
        ulong sequence;
        lock (_lock)
        {
            var held = System.Diagnostics.Stopwatch.GetTimestamp();
            copy = _state.CloneForSnapshot(forEncoding);
            sequence = _lastAppliedSequence;
            PersistenceMetrics.RecordCapturePause(System.Diagnostics.Stopwatch.GetElapsedTime(held));
        }

        return (copy.ToSnapshot(sequence, _time.GetUtcNow()), sequence);
    }

    /// <summary>Replaces the whole state with the snapshot's (Go load rules), or with the empty state (no backbone) when it is null.</summary>
    /// <param name="snapshot">The verified snapshot, or null for a fresh start.</param>
    /// <param name="warnings">Receives one line per skipped or repaired item, when given.</param>
    public void Restore(Snapshot? snapshot, ICollection<string>? warnings = null)
    {
        lock (_lock)
        {
            _state = snapshot is null ? new RegistryState() : RegistryState.FromSnapshot(snapshot, _time.GetUtcNow(), warnings);
            _lastAppliedSequence = snapshot?.WalSeq ?? 0;
            _stateVersion++;
            _reapOrder = [];
            _reapCursor = 0;
        }
    }

    /// <summary>A deterministic JSON text of the whole state; equal states give equal text (for tests and debugging).</summary>
    public string ToCanonicalJson()
    {
        lock (_lock)
        {
            return _state.ToCanonicalJson();
        }
    }

    /// <summary>Every broken cross-table invariant of the state; for model tests.</summary>
    internal List<string> FindInconsistencies()
    {
        lock (_lock)
        {
            return _state.FindInconsistencies();
        }
    }

    /// <summary>The canonical text without what a snapshot cannot carry; for snapshot round-trip tests.</summary>
    internal string ToCanonicalSnapshotView()
    {
        lock (_lock)
        {
            return _state.ToCanonicalSnapshotView();
        }
    }

    private void ApplyLocked(in DeltaEntry entry, bool goKindsOnly, object? decoded = null)
    {
        var applied = DeltaApplier.Apply(_state, entry, decoded, goKindsOnly, Times.Truncate(_time.GetUtcNow()));
        _stateVersion++;
        _appliedCount++;
        if (!applied)
        {
            _ignoredCount++;
        }

        // Go-written sequence numbers (0 in production, arbitrary in fixtures) are not ours: a Go log is migrated into
        // a new log numbered from 1, so they must not move our position.
        if (!goKindsOnly && entry.SeqNo > _lastAppliedSequence)
        {
            _lastAppliedSequence = entry.SeqNo;
        }
    }

    /// <summary>Logs and applies one delta; called under the lock after validation succeeded.</summary>
    private ulong Commit<T>(DeltaType type, uint nodeId, T payload)
        where T : class
    {
        // Transient: the log copies the bytes and the apply reads them before anything encodes again on this thread.
        var data = DeltaPayload.EncodeTransient(payload);
        var sequence = _log.Enqueue(type, nodeId, data.Span);
        ApplyLocked(new DeltaEntry(sequence, type, nodeId, data), goKindsOnly: false, DeltaPayload.RoundTripsExactly(type, data.Span) ? payload : null);
        return sequence;
    }

    /// <summary>Now, in whole seconds: deltas carry whole seconds, so the live state must too.</summary>
    private DateTimeOffset Now() => Times.Truncate(_time.GetUtcNow());

    private NodeState RequireNode(uint nodeId) =>
        _state.Nodes.TryGetValue(nodeId, out var node)
            ? node
            : throw new RegistryException(RegistryErrorCode.NodeNotFound, $"node {nodeId}: node not found");

    private NetworkState RequireNetwork(ushort networkId) =>
        _state.Networks.TryGetValue(networkId, out var net)
            ? net
            : throw new RegistryException(RegistryErrorCode.NetworkNotFound, $"network {networkId}: network not found");
}

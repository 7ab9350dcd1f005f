using Registry.Persistence.Deltas;
using Registry.Persistence.Deltas.Payloads;
using Registry.Persistence.Lifecycle;
using Registry.Persistence.Snapshots.Model;
using Registry.Persistence.Wal;

namespace Registry.Persistence.Tests.Lifecycle;

/// <summary>A minimal state machine for lifecycle tests: node id → hostname, changed by Hostname deltas.</summary>
internal sealed class HostnameMachine : IStateMachine
{
    private readonly Lock _lock = new();
    private readonly Dictionary<uint, string> _names = [];
    private ulong _lastApplied;

    public int FailCaptures { get; set; }

    public bool? CompletedWithSnapshot { get; private set; }

    public Dictionary<uint, string> Names
    {
        get
        {
            lock (_lock)
            {
                return new Dictionary<uint, string>(_names);
            }
        }
    }

    /// <summary>A live mutation: logged and applied under the lock, acknowledged when durable.</summary>
    public AppendTicket Set(WriteAheadLog log, uint node, string name)
    {
        var payload = DeltaPayload.Encode(new HostnameDelta { NodeId = node, Hostname = name });
        lock (_lock)
        {
            var ticket = log.Enqueue(DeltaType.Hostname, node, payload);
            ApplyLocked(new DeltaEntry(ticket.Sequence, DeltaType.Hostname, node, payload));
            return ticket;
        }
    }

    public void Restore(Snapshot? snapshot, DataLayoutKind layout)
    {
        lock (_lock)
        {
            _names.Clear();
            _lastApplied = snapshot?.WalSeq ?? 0;
            foreach (var node in snapshot?.Nodes?.Values ?? Enumerable.Empty<SnapshotNode>())
            {
                _names[node.Id] = node.Hostname ?? "";
            }
        }
    }

    public void Apply(in DeltaEntry entry)
    {
        lock (_lock)
        {
            ApplyLocked(entry);
        }
    }

    public void ApplyLegacy(in DeltaEntry entry) => Apply(entry);

    public void RecoveryCompleted(bool snapshotLoaded, DataLayoutKind layout) => CompletedWithSnapshot = snapshotLoaded;

    public (Snapshot Snapshot, ulong Sequence) Capture()
    {
        lock (_lock)
        {
            if (FailCaptures > 0)
            {
                FailCaptures--;
                throw new IOException("injected capture failure");
            }

            var nodes = _names.ToDictionary(
                kv => kv.Key.ToString(System.Globalization.CultureInfo.InvariantCulture),
                kv => new SnapshotNode { Id = kv.Key, PublicKey = Convert.ToBase64String(new byte[32]), Hostname = kv.Value, LastSeen = "2026-01-01T00:00:00Z" },
                StringComparer.Ordinal);
            return (new Snapshot { Version = 1, NextNode = 1, Nodes = nodes, Networks = new(StringComparer.Ordinal), StartTime = "2026-01-01T00:00:00Z" }, _lastApplied);
        }
    }

    private void ApplyLocked(in DeltaEntry entry)
    {
        if (entry.Type == DeltaType.Hostname)
        {
            var delta = DeltaPayload.Decode<HostnameDelta>(entry.Data.Span);
            _names[delta.NodeId] = delta.Hostname ?? "";
        }

        _lastApplied = Math.Max(_lastApplied, entry.SeqNo);
    }
}

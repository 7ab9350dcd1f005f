namespace Registry.Core;

/// <summary>The whole in-memory registry: nodes, networks, trust, inboxes, indexes and id counters.</summary>
/// <remarks>
/// Invariants: only <see cref="DeltaApplier"/> changes it, and only from a delta's payload (never from a clock or a
/// random source), so applying the same deltas to two empty states gives equal states (see <see cref="ToCanonicalJson"/>).
/// Not thread-safe: <see cref="NodeRegistry"/> guards it with its lock.
/// The key and owner indexes may name nodes that are not in <see cref="Nodes"/>: a reaped node keeps them so that a
/// later register reclaims its id (wire-protocol §2.4).
/// </remarks>
public sealed partial class RegistryState
{
    /// <summary>The backbone network's id; every registered node is a member.</summary>
    public const ushort BackboneId = 0;

    internal Dictionary<uint, NodeState> Nodes { get; } = [];

    /// <summary>Gets a node to change: a node shared with a snapshot capture is replaced by a private clone first.</summary>
    internal bool TryGetMutableNode(uint id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out NodeState? node)
    {
        if (!Nodes.TryGetValue(id, out node))
        {
            return false;
        }

        if (node.Frozen)
        {
            node = node.Clone();
            Nodes[id] = node;
        }

        return true;
    }

    internal Dictionary<ushort, NetworkState> Networks { get; } = [];

    /// <summary>Trust pairs in canonical order (smaller id first).</summary>
    internal HashSet<(uint A, uint B)> TrustPairs { get; } = [];

    /// <summary>Handshake requests per recipient.</summary>
    internal Dictionary<uint, List<HandshakeRequestMessage>> HandshakeInbox { get; } = [];

    /// <summary>Handshake answers per requester.</summary>
    internal Dictionary<uint, List<HandshakeResponseMessage>> HandshakeResponses { get; } = [];

    /// <summary>Requests not yet answered, as (recipient, sender); they outlive a poll of the inbox (wire-protocol §3.5).</summary>
    internal HashSet<(uint To, uint From)> PendingHandshakes { get; } = [];

    /// <summary>Network invitations per invitee.</summary>
    internal Dictionary<uint, List<NetworkInvite>> InviteInbox { get; } = [];

    internal Dictionary<string, uint> KeyIndex { get; } = new(StringComparer.Ordinal);

    internal Dictionary<string, uint> OwnerIndex { get; } = new(StringComparer.Ordinal);

    internal Dictionary<string, uint> HostnameIndex { get; } = new(StringComparer.Ordinal);

    /// <summary>The key and owner each reaped node still holds in the indexes, so a reclaim can find and drop them without scanning.</summary>
    internal Dictionary<uint, (string Key, string Owner)> Reaped { get; } = [];

    /// <summary>The next node id to assign; never reused.</summary>
    internal uint NextNode { get; set; } = 1;

    /// <summary>The next network id to assign; never reused.</summary>
    internal ushort NextNet { get; set; } = 1;

    /// <summary>Number of nodes in the node table.</summary>
    public int NodeCount => Nodes.Count;

    /// <summary>Number of networks, including the backbone.</summary>
    public int NetworkCount => Networks.Count;

    /// <summary>Number of trust pairs.</summary>
    public int TrustPairCount => TrustPairs.Count;

    /// <summary>A deterministic, indented JSON text of the entire state (ids sorted); equal states give equal text.</summary>
    public string ToCanonicalJson() => CanonicalDump.Write(this);

    /// <summary>The canonical text without what a snapshot cannot carry (pending handshakes, owner index entries of reaped nodes).</summary>
    internal string ToCanonicalSnapshotView() => CanonicalDump.Write(this, snapshotView: true);

    internal static (uint A, uint B) Pair(uint a, uint b) => a <= b ? (a, b) : (b, a);

    internal bool SharesNonBackboneNetwork(uint a, uint b)
    {
        if (!Nodes.TryGetValue(a, out var nodeA) || !Nodes.TryGetValue(b, out var nodeB))
        {
            return false;
        }

        foreach (var net in nodeA.Networks)
        {
            if (net != BackboneId && nodeB.Networks.Contains(net))
            {
                return true;
            }
        }

        return false;
    }
}

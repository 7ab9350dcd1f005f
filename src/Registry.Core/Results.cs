namespace Registry.Core;

/// <summary>Which of the four register outcomes of wire-protocol §3.1 happened.</summary>
public enum RegisterOutcome
{
    /// <summary>(d) A new node id was assigned.</summary>
    Created,

    /// <summary>(a) The key belongs to a live node, which was refreshed.</summary>
    Refreshed,

    /// <summary>(b) The key belongs to a reaped node, which was recreated with the same id.</summary>
    Reclaimed,

    /// <summary>(c) The key was unknown but the owner was known: the owner's node got the new key.</summary>
    KeyRecovered,
}

/// <summary>The result of a mutation that returns nothing but its log position.</summary>
/// <param name="Sequence">The delta's sequence number to await for durability; 0 when nothing changed and nothing was logged.</param>
public readonly record struct MutationResult(ulong Sequence);

/// <summary>The result of <see cref="NodeRegistry.Register"/>.</summary>
/// <param name="NodeId">The node's id.</param>
/// <param name="Address">The node's backbone address text.</param>
/// <param name="PublicKey">The node's key.</param>
/// <param name="Hostname">The node's hostname after registration, or empty.</param>
/// <param name="HostnameError">Why a requested hostname was not assigned, or null.</param>
/// <param name="Outcome">Which outcome happened.</param>
/// <param name="Sequence">The delta's sequence number.</param>
public sealed record RegisterResult(uint NodeId, string Address, string PublicKey, string Hostname, string? HostnameError, RegisterOutcome Outcome, ulong Sequence);

/// <summary>The result of <see cref="NodeRegistry.Heartbeat"/>.</summary>
/// <param name="Time">The server time recorded as last seen.</param>
/// <param name="KeyExpiryWarning">Whether the key expires within 24 hours.</param>
/// <param name="Sequence">The delta's sequence number.</param>
public sealed record HeartbeatResult(DateTimeOffset Time, bool KeyExpiryWarning, ulong Sequence);

/// <summary>The result of <see cref="NodeRegistry.RotateKey"/>.</summary>
/// <param name="NodeId">The node.</param>
/// <param name="Address">The node's backbone address text.</param>
/// <param name="PublicKey">The new key.</param>
/// <param name="Sequence">The delta's sequence number.</param>
public sealed record RotateKeyResult(uint NodeId, string Address, string PublicKey, ulong Sequence);

/// <summary>The result of <see cref="NodeRegistry.SetHostname"/>.</summary>
/// <param name="NodeId">The node.</param>
/// <param name="Hostname">The hostname now set (empty = cleared).</param>
/// <param name="Sequence">The delta's sequence number.</param>
public sealed record HostnameResult(uint NodeId, string Hostname, ulong Sequence);

/// <summary>The result of <see cref="NodeRegistry.SetTags"/>.</summary>
/// <param name="NodeId">The node.</param>
/// <param name="Tags">The normalized tags now set.</param>
/// <param name="Sequence">The delta's sequence number.</param>
public sealed record TagsResult(uint NodeId, IReadOnlyList<string> Tags, ulong Sequence);

/// <summary>The result of <see cref="NodeRegistry.CreateNetwork"/>.</summary>
/// <param name="NetworkId">The new network's id.</param>
/// <param name="Name">Its name.</param>
/// <param name="Enterprise">Whether it is an enterprise network.</param>
/// <param name="Managed">Whether it has rules.</param>
/// <param name="Sequence">The delta's sequence number.</param>
public sealed record CreateNetworkResult(ushort NetworkId, string Name, bool Enterprise, bool Managed, ulong Sequence);

/// <summary>The result of <see cref="NodeRegistry.JoinNetwork"/>.</summary>
/// <param name="NetworkId">The network.</param>
/// <param name="Address">The node's address on that network.</param>
/// <param name="Sequence">The delta's sequence number.</param>
public sealed record JoinNetworkResult(ushort NetworkId, string Address, ulong Sequence);

/// <summary>The result of <see cref="NodeRegistry.PollHandshakes"/>: the inboxes as they were before the poll emptied them.</summary>
/// <param name="Requests">Requests waiting for the node.</param>
/// <param name="Responses">Answers to the node's own requests.</param>
/// <param name="Sequence">The delta's sequence number; 0 when both inboxes were empty (nothing logged).</param>
public sealed record HandshakePollResult(IReadOnlyList<HandshakeRequestMessage> Requests, IReadOnlyList<HandshakeResponseMessage> Responses, ulong Sequence);

/// <summary>One node removed by <see cref="NodeRegistry.ReapStale"/>.</summary>
/// <param name="NodeId">The reaped node.</param>
/// <param name="Sequence">The delta's sequence number.</param>
public sealed record ReapResult(uint NodeId, ulong Sequence);

/// <summary>The result of <see cref="NodeRegistry.SetKeyExpiry"/>.</summary>
/// <param name="NodeId">The node.</param>
/// <param name="ExpiresAt">The expiry now set, or null when cleared.</param>
/// <param name="Sequence">The delta's sequence number.</param>
public sealed record KeyExpiryResult(uint NodeId, DateTimeOffset? ExpiresAt, ulong Sequence);

/// <summary>The result of promote, demote (and the role part of other RBAC calls).</summary>
/// <param name="NetworkId">The network.</param>
/// <param name="TargetNodeId">The member.</param>
/// <param name="Role">The member's role now.</param>
/// <param name="Sequence">The delta's sequence number.</param>
public sealed record RoleResult(ushort NetworkId, uint TargetNodeId, string Role, ulong Sequence);

/// <summary>The result of <see cref="NodeRegistry.TransferOwnership"/>.</summary>
/// <param name="NetworkId">The network.</param>
/// <param name="OldOwner">The previous owner (now admin), or 0 when the network had none.</param>
/// <param name="NewOwner">The new owner.</param>
/// <param name="Sequence">The delta's sequence number.</param>
public sealed record TransferResult(ushort NetworkId, uint OldOwner, uint NewOwner, ulong Sequence);

/// <summary>The result of <see cref="NodeRegistry.SetExprPolicy"/>.</summary>
/// <param name="NetworkId">The network.</param>
/// <param name="Cleared">Whether the policy was cleared.</param>
/// <param name="Sequence">The delta's sequence number.</param>
public sealed record ExprPolicyResult(ushort NetworkId, bool Cleared, ulong Sequence);

/// <summary>The result of <see cref="NodeRegistry.InviteToNetwork"/>.</summary>
/// <param name="NetworkId">The network.</param>
/// <param name="TargetNodeId">The invitee.</param>
/// <param name="AlreadyInvited">Whether a valid invitation already existed (then nothing was logged).</param>
/// <param name="Sequence">The delta's sequence number, or 0.</param>
public sealed record InviteResult(ushort NetworkId, uint TargetNodeId, bool AlreadyInvited, ulong Sequence);

/// <summary>The result of <see cref="NodeRegistry.PollInvites"/>.</summary>
/// <param name="Invites">The valid invitations (they stay in the inbox).</param>
/// <param name="Sequence">The sequence of the delta that pruned expired invitations, or 0 when none expired.</param>
public sealed record InvitePollResult(IReadOnlyList<NetworkInvite> Invites, ulong Sequence);

/// <summary>The result of <see cref="NodeRegistry.RespondInvite"/>.</summary>
/// <param name="NetworkId">The network.</param>
/// <param name="Accepted">Whether the node joined.</param>
/// <param name="Sequence">The delta's sequence number.</param>
public sealed record RespondInviteResult(ushort NetworkId, bool Accepted, ulong Sequence);

/// <summary>Table sizes of the registry.</summary>
/// <param name="Nodes">Nodes in the node table (reaped ones excluded).</param>
/// <param name="Networks">Networks, the backbone included.</param>
/// <param name="TrustPairs">Trust pairs.</param>
public sealed record RegistryCounts(int Nodes, int Networks, int TrustPairs);

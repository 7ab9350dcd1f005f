namespace Registry.Persistence.Deltas;

/// <summary>The kind of registry mutation a delta records.</summary>
/// <remarks>
/// Values 1 to 14 are the Go original's kinds and keep its numbers; 15 and up are ours (docs/delta-kinds.md). The type is a byte so that a
/// kind this build does not know (0, or above the last defined one) round-trips through the log unchanged.
/// </remarks>
public enum DeltaType : byte
{
    /// <summary>No kind; the Go reader delivers it for a record whose body is <c>null</c>.</summary>
    None = 0,

    /// <summary>A new node was registered.</summary>
    Register = 1,

    /// <summary>A node was removed.</summary>
    Deregister = 2,

    /// <summary>A node reported it is alive.</summary>
    Heartbeat = 3,

    /// <summary>A trust pair was added.</summary>
    TrustAdd = 4,

    /// <summary>A trust pair was revoked.</summary>
    TrustRevoke = 5,

    /// <summary>A node's public visibility changed.</summary>
    Visibility = 6,

    /// <summary>A node's hostname changed.</summary>
    Hostname = 7,

    /// <summary>A node's tags changed.</summary>
    Tags = 8,

    /// <summary>A network was created.</summary>
    NetworkCreate = 9,

    /// <summary>A node joined a network.</summary>
    NetworkJoin = 10,

    /// <summary>A node left a network.</summary>
    NetworkLeave = 11,

    /// <summary>A node's key was rotated.</summary>
    KeyRotation = 12,

    /// <summary>A node's task-executor flag changed.</summary>
    TaskExec = 13,

    /// <summary>A network was deleted.</summary>
    NetworkDelete = 14,

    /// <summary>An existing node was refreshed, reclaimed or given a recovered key by <c>register</c> (ours; carries the resulting node record).</summary>
    NodeUpdate = 15,

    /// <summary>A handshake request was queued in a node's inbox (ours).</summary>
    HandshakeRequest = 16,

    /// <summary>A node answered a handshake request (ours).</summary>
    HandshakeResponse = 17,

    /// <summary>A node polled, and so cleared, its handshake inboxes (ours).</summary>
    HandshakePoll = 18,

    /// <summary>A stale node was reaped: removed from the node table but its key and owner stay indexed (ours).</summary>
    Reap = 19,

    /// <summary>A node's key expiry was set or cleared (ours).</summary>
    KeyExpiry = 20,

    /// <summary>A network was renamed (ours).</summary>
    NetworkRename = 21,

    /// <summary>A network's enterprise flag changed, with the resulting roles (ours).</summary>
    NetworkEnterprise = 22,

    /// <summary>A node's network-invite inbox changed (ours).</summary>
    InviteInbox = 23,

    /// <summary>Roles of network members changed: promote, demote, transfer (ours).</summary>
    MemberRoles = 24,

    /// <summary>A member's tags in a network changed (ours).</summary>
    MemberTags = 25,

    /// <summary>A network's policy changed (ours).</summary>
    NetworkPolicy = 26,

    /// <summary>A network's expression policy was set or cleared (ours).</summary>
    ExprPolicy = 27,

    /// <summary>A node's external id changed (ours).</summary>
    ExternalId = 28,
}

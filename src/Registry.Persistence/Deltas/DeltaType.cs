namespace Registry.Persistence.Deltas;

/// <summary>The kind of registry mutation a delta records.</summary>
/// <remarks>
/// Values 1 to 14 are the Go original's kinds and keep its numbers. The type is a byte so that a
/// kind this build does not know (15 to 255, or 0) round-trips through the log unchanged.
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
}

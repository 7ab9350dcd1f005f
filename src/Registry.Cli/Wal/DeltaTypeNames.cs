using Registry.Persistence.Deltas;

namespace Registry.Cli.Wal;

/// <summary>The snake_case names tools print for delta kinds.</summary>
internal static class DeltaTypeNames
{
    /// <summary>The name of <paramref name="type"/>, or "unknown_N" for kinds this build does not define.</summary>
    public static string Of(DeltaType type) => type switch
    {
        DeltaType.None => "none",
        DeltaType.Register => "register",
        DeltaType.Deregister => "deregister",
        DeltaType.Heartbeat => "heartbeat",
        DeltaType.TrustAdd => "trust_add",
        DeltaType.TrustRevoke => "trust_revoke",
        DeltaType.Visibility => "visibility",
        DeltaType.Hostname => "hostname",
        DeltaType.Tags => "tags",
        DeltaType.NetworkCreate => "network_create",
        DeltaType.NetworkJoin => "network_join",
        DeltaType.NetworkLeave => "network_leave",
        DeltaType.KeyRotation => "key_rotation",
        DeltaType.TaskExec => "task_exec",
        DeltaType.NetworkDelete => "network_delete",
        DeltaType.NodeUpdate => "node_update",
        DeltaType.HandshakeRequest => "handshake_request",
        DeltaType.HandshakeResponse => "handshake_response",
        DeltaType.HandshakePoll => "handshake_poll",
        DeltaType.Reap => "reap",
        DeltaType.KeyExpiry => "key_expiry",
        DeltaType.NetworkRename => "network_rename",
        DeltaType.NetworkEnterprise => "network_enterprise",
        DeltaType.InviteInbox => "invite_inbox",
        DeltaType.MemberRoles => "member_roles",
        DeltaType.MemberTags => "member_tags",
        DeltaType.NetworkPolicy => "network_policy",
        DeltaType.ExprPolicy => "expr_policy",
        DeltaType.ExternalId => "external_id",
        _ => $"unknown_{(byte)type}",
    };
}

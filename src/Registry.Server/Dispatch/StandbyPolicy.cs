using System.Collections.Frozen;

namespace Registry.Server.Dispatch;

/// <summary>Which request types a standby still serves (§5); every other type is refused while in standby.</summary>
public static class StandbyPolicy
{
    /// <summary>The refusal text; it matches no sanitizer substring, so clients see "request failed" as with Go.</summary>
    public const string RejectionMessage = "standby mode: write operations not accepted (use primary)";

    /// <summary>The read-only request types of wire protocol §5, verbatim.</summary>
    public static readonly FrozenSet<string> ReadOnlyTypes = FrozenSet.Create(
        StringComparer.Ordinal,
        "lookup", "resolve", "list_networks", "list_nodes", "heartbeat", "poll_handshakes", "poll_invites",
        "resolve_hostname", "beacon_list", "get_key_info", "get_network_policy", "get_audit_log", "get_member_role",
        "check_trust", "get_webhook", "get_audit_export", "get_webhook_dlq", "get_identity", "get_idp_config",
        "get_provision_status", "get_expr_policy", "get_member_tags", "directory_status");

    /// <summary>The request that turns a standby into a primary (ours; admin token required): it must reach a standby.</summary>
    public const string PromoteType = "promote";

    /// <summary>The request that makes a primary stop taking writes before a switchover (ours; admin token required); repeating it is harmless.</summary>
    public const string StepDownType = "step_down";

    /// <summary>The request that reports a server's role, sequences and replication view (ours; admin token required).</summary>
    public const string StatusType = "server_status";

    /// <summary>True when a standby (or a primary that stepped down) may serve <paramref name="type"/>.</summary>
    public static bool IsAllowedOnStandby(string type) =>
        ReadOnlyTypes.Contains(type) || string.Equals(type, PromoteType, StringComparison.Ordinal)
        || string.Equals(type, StepDownType, StringComparison.Ordinal) || string.Equals(type, StatusType, StringComparison.Ordinal);
}

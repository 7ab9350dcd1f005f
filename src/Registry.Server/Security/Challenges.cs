using System.Globalization;

namespace Registry.Server.Security;

/// <summary>The exact challenge strings that signed requests sign (§2.1); the bytes signed are these strings in ASCII.</summary>
/// <remarks>Ids are printed in invariant decimal. Nothing else in a request is signed, so these texts are the whole contract.</remarks>
public static class Challenges
{
    /// <summary><c>heartbeat:&lt;node_id&gt;</c>.</summary>
    public static string Heartbeat(uint nodeId) => Format($"heartbeat:{nodeId}");

    /// <summary><c>resolve:&lt;requester_id&gt;:&lt;node_id&gt;</c>, signed by the requester.</summary>
    public static string Resolve(uint requesterId, uint nodeId) => Format($"resolve:{requesterId}:{nodeId}");

    /// <summary><c>deregister:&lt;node_id&gt;</c>.</summary>
    public static string Deregister(uint nodeId) => Format($"deregister:{nodeId}");

    /// <summary><c>set_visibility:&lt;node_id&gt;</c>.</summary>
    public static string SetVisibility(uint nodeId) => Format($"set_visibility:{nodeId}");

    /// <summary><c>set_hostname:&lt;node_id&gt;</c>.</summary>
    public static string SetHostname(uint nodeId) => Format($"set_hostname:{nodeId}");

    /// <summary><c>set_tags:&lt;node_id&gt;</c>.</summary>
    public static string SetTags(uint nodeId) => Format($"set_tags:{nodeId}");

    /// <summary><c>set_task_exec:&lt;node_id&gt;</c> ([M]/[O]; re-added per §7).</summary>
    public static string SetTaskExec(uint nodeId) => Format($"set_task_exec:{nodeId}");

    /// <summary><c>set_key_expiry:&lt;node_id&gt;</c>.</summary>
    public static string SetKeyExpiry(uint nodeId) => Format($"set_key_expiry:{nodeId}");

    /// <summary><c>rotate:&lt;node_id&gt;:&lt;new_public_key_b64&gt;</c> ([N]), signed by the current key.</summary>
    public static string RotateKey(uint nodeId, string newPublicKeyBase64) => Format($"rotate:{nodeId}:{newPublicKeyBase64}");

    /// <summary><c>report_trust:&lt;node_id&gt;:&lt;peer_id&gt;</c>.</summary>
    public static string ReportTrust(uint nodeId, uint peerId) => Format($"report_trust:{nodeId}:{peerId}");

    /// <summary><c>revoke_trust:&lt;node_id&gt;:&lt;peer_id&gt;</c>.</summary>
    public static string RevokeTrust(uint nodeId, uint peerId) => Format($"revoke_trust:{nodeId}:{peerId}");

    /// <summary><c>handshake:&lt;from_node_id&gt;:&lt;to_node_id&gt;</c> (request_handshake), signed by the sender.</summary>
    public static string RequestHandshake(uint fromNodeId, uint toNodeId) => Format($"handshake:{fromNodeId}:{toNodeId}");

    /// <summary><c>respond:&lt;node_id&gt;:&lt;peer_id&gt;</c> (respond_handshake), signed by the responder.</summary>
    public static string RespondHandshake(uint nodeId, uint peerId) => Format($"respond:{nodeId}:{peerId}");

    /// <summary><c>poll_handshakes:&lt;node_id&gt;</c>.</summary>
    public static string PollHandshakes(uint nodeId) => Format($"poll_handshakes:{nodeId}");

    /// <summary><c>poll_invites:&lt;node_id&gt;</c>.</summary>
    public static string PollInvites(uint nodeId) => Format($"poll_invites:{nodeId}");

    /// <summary><c>join_network:&lt;node_id&gt;:&lt;network_id&gt;</c>.</summary>
    public static string JoinNetwork(uint nodeId, ushort networkId) => Format($"join_network:{nodeId}:{networkId}");

    /// <summary><c>leave_network:&lt;node_id&gt;:&lt;network_id&gt;</c>.</summary>
    public static string LeaveNetwork(uint nodeId, ushort networkId) => Format($"leave_network:{nodeId}:{networkId}");

    /// <summary><c>invite:&lt;inviter_id&gt;:&lt;network_id&gt;:&lt;target_node_id&gt;</c>.</summary>
    public static string InviteToNetwork(uint inviterId, ushort networkId, uint targetNodeId) => Format($"invite:{inviterId}:{networkId}:{targetNodeId}");

    /// <summary><c>respond_invite:&lt;node_id&gt;:&lt;network_id&gt;</c>.</summary>
    public static string RespondInvite(uint nodeId, ushort networkId) => Format($"respond_invite:{nodeId}:{networkId}");

    /// <summary><c>punch:&lt;node_a&gt;:&lt;node_b&gt;</c> (peripheral).</summary>
    public static string Punch(uint nodeA, uint nodeB) => Format($"punch:{nodeA}:{nodeB}");

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

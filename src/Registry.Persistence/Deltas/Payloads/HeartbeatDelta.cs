using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Payload of <see cref="DeltaType.Heartbeat"/> (ours; Go defines the kind but never logs it): a node's resulting last-seen time.</summary>
/// <remarks>
/// Set semantics: replay sets the node's last-seen time to <see cref="LastSeen"/>; replaying it twice is
/// harmless. The envelope's node id is the node. A Go registry replaying it ignores the kind.
/// </remarks>
public sealed record HeartbeatDelta
{
    /// <summary>The node that sent the heartbeat.</summary>
    [JsonPropertyName("node_id")]
    public uint NodeId { get; set; }

    /// <summary>The node's last-seen time after the heartbeat, RFC 3339 UTC with seconds (see <see cref="DeltaPayload.FormatTimestamp"/>).</summary>
    [JsonPropertyName("last_seen")]
    public string LastSeen { get; set => field = value ?? string.Empty; } = string.Empty;
}

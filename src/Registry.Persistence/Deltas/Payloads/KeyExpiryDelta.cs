using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Payload of <see cref="DeltaType.KeyExpiry"/> (ours): a node's resulting key expiry.</summary>
/// <remarks>Set semantics: replay sets the node's key expiry to <see cref="ExpiresAt"/>; <c>""</c> clears it. All members are always written.</remarks>
public sealed record KeyExpiryDelta
{
    /// <summary>The node.</summary>
    [JsonPropertyName("node_id")]
    public uint NodeId { get; set; }

    /// <summary>The expiry time, RFC 3339 UTC with seconds, or <c>""</c> for never.</summary>
    [JsonPropertyName("expires_at")]
    public string ExpiresAt { get; set => field = value ?? string.Empty; } = string.Empty;
}

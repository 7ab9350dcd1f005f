using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Payload of <see cref="DeltaType.KeyRotation"/>: a node's new public key (Go's <c>KeyRotationDelta</c>).</summary>
/// <remarks>
/// Go's replay of it increments the rotation count, so it is not idempotent there (format-spec §7.11). Ours also
/// carry the resulting <see cref="KeyRotCount"/> and <see cref="LastSeen"/>, which make replay set instead of
/// increment; Go ignores both members.
/// </remarks>
public sealed record KeyRotationDelta
{
    /// <summary>The node whose key was rotated.</summary>
    [JsonPropertyName("node_id")]
    public uint NodeId { get; set; }

    /// <summary>The new Ed25519 public key, standard base64.</summary>
    [JsonPropertyName("new_public_key")]
    public string NewPublicKey { get; set => field = value ?? string.Empty; } = string.Empty;

    /// <summary>Rotation time as RFC 3339 UTC with seconds.</summary>
    [JsonPropertyName("rotated_at")]
    public string RotatedAt { get; set => field = value ?? string.Empty; } = string.Empty;

    /// <summary>The rotation count after this rotation (ours), or null in Go-written entries, whose replay increments instead.</summary>
    [JsonPropertyName("key_rot_count")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? KeyRotCount { get; set; }

    /// <summary>The node's last-seen time after the rotation (ours), or null in Go-written entries.</summary>
    [JsonPropertyName("last_seen")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? LastSeen { get; set; }
}

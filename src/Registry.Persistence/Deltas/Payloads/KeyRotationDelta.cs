using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Payload of <see cref="DeltaType.KeyRotation"/>: a node's new public key (Go's <c>KeyRotationDelta</c>).</summary>
/// <remarks>Go's replay of it increments the rotation count, so it is not idempotent there (format-spec §7.11).</remarks>
public sealed record KeyRotationDelta
{
    /// <summary>The node whose key was rotated.</summary>
    [JsonPropertyName("node_id")]
    public uint NodeId { get; init; }

    /// <summary>The new Ed25519 public key, standard base64.</summary>
    [JsonPropertyName("new_public_key")]
    public string NewPublicKey { get; init => field = value ?? string.Empty; } = string.Empty;

    /// <summary>Rotation time as RFC 3339 UTC with seconds.</summary>
    [JsonPropertyName("rotated_at")]
    public string RotatedAt { get; init => field = value ?? string.Empty; } = string.Empty;
}

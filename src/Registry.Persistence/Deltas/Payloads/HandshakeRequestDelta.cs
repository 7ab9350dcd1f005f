using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Payload of <see cref="DeltaType.HandshakeRequest"/> (ours): one request queued in the target's handshake inbox.</summary>
/// <remarks>
/// Replay appends the message to the target's inbox and marks the request pending, unless an identical message
/// (same sender and timestamp) is already there, so replaying it twice is harmless. The envelope's node id is the sender.
/// </remarks>
public sealed record HandshakeRequestDelta
{
    /// <summary>The node whose inbox receives the request.</summary>
    [JsonPropertyName("to_node_id")]
    public uint ToNodeId { get; set; }

    /// <summary>The requesting node.</summary>
    [JsonPropertyName("from_node_id")]
    public uint FromNodeId { get; set; }

    /// <summary>The sender's free-text justification (at most 1024 bytes).</summary>
    [JsonPropertyName("justification")]
    public string Justification { get; set => field = value ?? string.Empty; } = string.Empty;

    /// <summary>When the request was queued, RFC 3339 UTC with seconds.</summary>
    [JsonPropertyName("timestamp")]
    public string Timestamp { get; set => field = value ?? string.Empty; } = string.Empty;
}

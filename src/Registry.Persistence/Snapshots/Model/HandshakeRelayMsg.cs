using System.Text.Json.Serialization;

namespace Registry.Persistence.Snapshots.Model;

/// <summary>A queued handshake request (Go <c>trust.HandshakeRelayMsg</c>).</summary>
public sealed class HandshakeRelayMsg
{
    /// <summary>Requesting node.</summary>
    [JsonPropertyName("from_node_id")]
    public uint FromNodeId { get; set; }

    /// <summary>Justification text.</summary>
    [JsonPropertyName("justification")]
    public string? Justification { get; set; }

    /// <summary>A Go <c>time.Time</c> kept as its RFC 3339 nanosecond text; <see langword="null"/> is the zero time.</summary>
    [JsonPropertyName("timestamp")]
    public string? Timestamp { get; set; }
}

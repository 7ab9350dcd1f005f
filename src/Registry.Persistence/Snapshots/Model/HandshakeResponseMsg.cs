using System.Text.Json.Serialization;

namespace Registry.Persistence.Snapshots.Model;

/// <summary>A queued handshake response (Go <c>trust.HandshakeResponseMsg</c>).</summary>
public sealed class HandshakeResponseMsg
{
    /// <summary>Responding node.</summary>
    [JsonPropertyName("from_node_id")]
    public uint FromNodeId { get; set; }

    /// <summary>Whether the handshake was accepted.</summary>
    [JsonPropertyName("accept")]
    public bool Accept { get; set; }

    /// <summary>A Go <c>time.Time</c> kept as its RFC 3339 nanosecond text; <see langword="null"/> is the zero time.</summary>
    [JsonPropertyName("timestamp")]
    public string? Timestamp { get; set; }
}

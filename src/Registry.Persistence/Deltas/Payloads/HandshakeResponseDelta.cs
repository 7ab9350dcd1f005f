using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Payload of <see cref="DeltaType.HandshakeResponse"/> (ours): a node's answer to a handshake request.</summary>
/// <remarks>
/// Replay clears the pending request from <see cref="PeerId"/>, adds the trust pair when <see cref="Accept"/>, and
/// appends the answer to the requester's response inbox unless an identical answer is already there (idempotent).
/// The envelope's node id is the responder.
/// </remarks>
public sealed record HandshakeResponseDelta
{
    /// <summary>The responding node.</summary>
    [JsonPropertyName("node_id")]
    public uint NodeId { get; set; }

    /// <summary>The node that sent the request and receives the answer.</summary>
    [JsonPropertyName("peer_id")]
    public uint PeerId { get; set; }

    /// <summary>Whether the request was accepted.</summary>
    [JsonPropertyName("accept")]
    public bool Accept { get; set; }

    /// <summary>When the answer was given, RFC 3339 UTC with seconds.</summary>
    [JsonPropertyName("timestamp")]
    public string Timestamp { get; set => field = value ?? string.Empty; } = string.Empty;
}

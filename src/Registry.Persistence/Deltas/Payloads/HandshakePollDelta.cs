using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Payload of <see cref="DeltaType.HandshakePoll"/> (ours): a node read its handshake inboxes, which empties them.</summary>
/// <remarks>Set semantics: afterwards both inboxes of the node are empty. Pending requests are remembered (a later accept still works).</remarks>
public sealed record HandshakePollDelta
{
    /// <summary>The node that polled.</summary>
    [JsonPropertyName("node_id")]
    public uint NodeId { get; set; }
}

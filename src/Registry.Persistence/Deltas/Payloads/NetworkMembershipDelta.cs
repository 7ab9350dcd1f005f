using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Payload of <see cref="DeltaType.NetworkJoin"/> and <see cref="DeltaType.NetworkLeave"/>: a node and a network (Go's <c>NetworkMembershipDelta</c>).</summary>
/// <remarks>The direction is the entry's kind, not a member of the payload.</remarks>
public sealed record NetworkMembershipDelta
{
    /// <summary>The node that joined or left.</summary>
    [JsonPropertyName("node_id")]
    public uint NodeId { get; set; }

    /// <summary>The network joined or left.</summary>
    [JsonPropertyName("network_id")]
    public ushort NetworkId { get; set; }
}

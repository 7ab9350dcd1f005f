using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Payload of <see cref="DeltaType.Deregister"/>: the node that was removed (Go's <c>DeregisterDelta</c>).</summary>
public sealed record DeregisterDelta
{
    /// <summary>The removed node's id.</summary>
    [JsonPropertyName("node_id")]
    public uint NodeId { get; set; }
}

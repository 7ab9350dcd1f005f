using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Payload of <see cref="DeltaType.NetworkDelete"/>: the network that was deleted (Go's <c>NetworkDeleteDelta</c>).</summary>
public sealed record NetworkDeleteDelta
{
    /// <summary>The deleted network's id.</summary>
    [JsonPropertyName("network_id")]
    public ushort NetworkId { get; set; }
}

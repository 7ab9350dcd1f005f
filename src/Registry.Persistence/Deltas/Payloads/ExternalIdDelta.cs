using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Payload of <see cref="DeltaType.ExternalId"/> (ours): a node's resulting external (identity provider) id.</summary>
/// <remarks>Set semantics: replay sets the node's external id; <c>""</c> clears it. All members are always written.</remarks>
public sealed record ExternalIdDelta
{
    /// <summary>The node.</summary>
    [JsonPropertyName("node_id")]
    public uint NodeId { get; set; }

    /// <summary>The external id, or <c>""</c>.</summary>
    [JsonPropertyName("external_id")]
    public string ExternalId { get; set => field = value ?? string.Empty; } = string.Empty;
}

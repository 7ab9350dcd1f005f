using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Payload of <see cref="DeltaType.Visibility"/> (ours; Go never logs it): a node's resulting visibility.</summary>
/// <remarks>Set semantics: replay sets the node's public flag to <see cref="Public"/>. Both values are always written.</remarks>
public sealed record VisibilityDelta
{
    /// <summary>The node whose visibility changed.</summary>
    [JsonPropertyName("node_id")]
    public uint NodeId { get; set; }

    /// <summary>Whether the node is public after the change.</summary>
    [JsonPropertyName("public")]
    public bool Public { get; set; }
}

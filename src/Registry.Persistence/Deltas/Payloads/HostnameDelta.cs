using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Payload of <see cref="DeltaType.Hostname"/> (ours; Go never logs it): a node's resulting hostname.</summary>
/// <remarks>
/// Set semantics: replay sets the node's hostname to <see cref="Hostname"/> and re-indexes it; the empty
/// string means the hostname was cleared. The member is always written, even when empty.
/// </remarks>
public sealed record HostnameDelta
{
    /// <summary>The node whose hostname changed.</summary>
    [JsonPropertyName("node_id")]
    public uint NodeId { get; set; }

    /// <summary>The hostname after the change, or empty when cleared.</summary>
    [JsonPropertyName("hostname")]
    public string Hostname { get; set => field = value ?? string.Empty; } = string.Empty;
}

using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Payload of <see cref="DeltaType.NetworkRename"/> (ours): a network's resulting name.</summary>
/// <remarks>Set semantics: replay sets the network's name. All members are always written.</remarks>
public sealed record NetworkRenameDelta
{
    /// <summary>The network.</summary>
    [JsonPropertyName("network_id")]
    public ushort NetworkId { get; set; }

    /// <summary>The new name.</summary>
    [JsonPropertyName("name")]
    public string Name { get; set => field = value ?? string.Empty; } = string.Empty;
}

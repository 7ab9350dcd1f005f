using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Payload of <see cref="DeltaType.MemberTags"/> (ours): a member's resulting tags in a network.</summary>
/// <remarks>Set semantics: replay replaces the member's tags in the network; an empty list deletes the entry. All members are always written.</remarks>
public sealed record MemberTagsDelta
{
    /// <summary>The network.</summary>
    [JsonPropertyName("network_id")]
    public ushort NetworkId { get; set; }

    /// <summary>The member.</summary>
    [JsonPropertyName("node_id")]
    public uint NodeId { get; set; }

    /// <summary>The complete normalized tag list.</summary>
    [JsonPropertyName("tags")]
    public IReadOnlyList<string> Tags { get; set => field = value ?? []; } = [];
}

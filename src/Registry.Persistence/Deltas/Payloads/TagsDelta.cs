using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Payload of <see cref="DeltaType.Tags"/> (ours; Go never logs it): a node's complete tag list after a change.</summary>
/// <remarks>
/// Set semantics: replay replaces the node's tags with <see cref="Tags"/> (already normalized: no leading
/// <c>#</c>, no duplicates, at most 10); an empty list means no tags. Never a difference against the previous list.
/// </remarks>
public sealed record TagsDelta
{
    /// <summary>The node whose tags changed.</summary>
    [JsonPropertyName("node_id")]
    public uint NodeId { get; set; }

    /// <summary>The node's complete tag list after the change, in the order the registry keeps it.</summary>
    [JsonPropertyName("tags")]
    public IReadOnlyList<string> Tags { get; set => field = value ?? []; } = [];
}

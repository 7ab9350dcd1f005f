using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Payload of <see cref="DeltaType.Reap"/> (ours): a stale node was reaped.</summary>
/// <remarks>
/// Replay removes the node from the node table, frees its hostname and removes it from the backbone's members only;
/// its key and owner stay indexed (so a later register reclaims the id), and its other memberships, trust pairs
/// and inboxes stay. Missing node: nothing to do (idempotent).
/// </remarks>
public sealed record ReapDelta
{
    /// <summary>The reaped node.</summary>
    [JsonPropertyName("node_id")]
    public uint NodeId { get; set; }
}

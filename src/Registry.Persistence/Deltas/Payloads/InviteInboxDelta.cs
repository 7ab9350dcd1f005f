using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Payload of <see cref="DeltaType.InviteInbox"/> (ours): a node's resulting network-invite inbox.</summary>
/// <remarks>Set semantics: replay replaces the node's whole invite inbox with <see cref="Invites"/> (invite, prune of expired invites, decline). All members are always written.</remarks>
public sealed record InviteInboxDelta
{
    /// <summary>The invitee.</summary>
    [JsonPropertyName("node_id")]
    public uint NodeId { get; set; }

    /// <summary>The complete inbox after the change.</summary>
    [JsonPropertyName("invites")]
    public IReadOnlyList<InvitePayload> Invites { get; set => field = value ?? []; } = [];
}

using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Payload of <see cref="DeltaType.MemberRoles"/> (ours): resulting roles of some members of a network.</summary>
/// <remarks>Set semantics: replay sets each listed member's role; an empty role removes it. Promote/demote list one member, a transfer lists two. All members are always written.</remarks>
public sealed record MemberRolesDelta
{
    /// <summary>The network.</summary>
    [JsonPropertyName("network_id")]
    public ushort NetworkId { get; set; }

    /// <summary>The members whose role changed, with their resulting roles.</summary>
    [JsonPropertyName("roles")]
    public IReadOnlyList<MemberRolePayload> Roles { get; set => field = value ?? []; } = [];
}

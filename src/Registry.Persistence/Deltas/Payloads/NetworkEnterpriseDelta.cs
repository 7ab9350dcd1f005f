using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Payload of <see cref="DeltaType.NetworkEnterprise"/> (ours): a network's resulting enterprise flag and member roles.</summary>
/// <remarks>Set semantics: replay sets the flag, then replaces the network's whole role map with <see cref="Roles"/> (empty when the flag is off: roles are dropped). All members are always written.</remarks>
public sealed record NetworkEnterpriseDelta
{
    /// <summary>The network.</summary>
    [JsonPropertyName("network_id")]
    public ushort NetworkId { get; set; }

    /// <summary>Whether the network has enterprise features.</summary>
    [JsonPropertyName("enterprise")]
    public bool Enterprise { get; set; }

    /// <summary>The complete role map after the change.</summary>
    [JsonPropertyName("roles")]
    public IReadOnlyList<MemberRolePayload> Roles { get; set => field = value ?? []; } = [];
}

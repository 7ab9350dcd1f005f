using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>One member's role inside a role-carrying payload.</summary>
public sealed record MemberRolePayload
{
    /// <summary>The member.</summary>
    [JsonPropertyName("node_id")]
    public uint NodeId { get; init; }

    /// <summary>The role: <c>owner</c>, <c>admin</c>, <c>member</c>, or <c>""</c> for none.</summary>
    [JsonPropertyName("role")]
    public string Role { get; init => field = value ?? string.Empty; } = string.Empty;
}

using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>A network's policy as carried in payloads: the same three members as the snapshot's <c>NetworkPolicy</c>.</summary>
public sealed record NetworkPolicyPayload
{
    /// <summary>The member limit, 0 for none.</summary>
    [JsonPropertyName("max_members")]
    public int MaxMembers { get; init; }

    /// <summary>The allowed ports; empty for no restriction.</summary>
    [JsonPropertyName("allowed_ports")]
    public IReadOnlyList<ushort> AllowedPorts { get; init => field = value ?? []; } = [];

    /// <summary>The description, or <c>""</c>.</summary>
    [JsonPropertyName("description")]
    public string Description { get; init => field = value ?? string.Empty; } = string.Empty;
}

using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Payload of <see cref="DeltaType.NetworkPolicy"/> (ours): a network's resulting policy.</summary>
/// <remarks>Set semantics: replay replaces the network's policy with these three values. All members are always written.</remarks>
public sealed record NetworkPolicyDelta
{
    /// <summary>The network.</summary>
    [JsonPropertyName("network_id")]
    public ushort NetworkId { get; set; }

    /// <summary>The member limit, 0 for none.</summary>
    [JsonPropertyName("max_members")]
    public int MaxMembers { get; set; }

    /// <summary>The allowed ports, empty for none.</summary>
    [JsonPropertyName("allowed_ports")]
    public IReadOnlyList<ushort> AllowedPorts { get; set => field = value ?? []; } = [];

    /// <summary>The description.</summary>
    [JsonPropertyName("description")]
    public string Description { get; set => field = value ?? string.Empty; } = string.Empty;
}

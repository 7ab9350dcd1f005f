using System.Text.Json.Serialization;

namespace Registry.Persistence.Snapshots.Model;

/// <summary>An RBAC pre-assignment (Go <c>wire.BlueprintRole</c>).</summary>
public sealed class BlueprintRole
{
    /// <summary>External identity; always written.</summary>
    [JsonPropertyName("external_id")]
    public string? ExternalId { get; set; }

    /// <summary><c>owner</c>, <c>admin</c> or <c>member</c>; always written.</summary>
    [JsonPropertyName("role")]
    public string? Role { get; set; }
}

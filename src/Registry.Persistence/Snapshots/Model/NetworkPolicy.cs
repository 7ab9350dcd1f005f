using System.Text.Json.Serialization;

namespace Registry.Persistence.Snapshots.Model;

/// <summary>The Go <c>NetworkPolicy</c>; all three members are always written (no omitempty).</summary>
public sealed class NetworkPolicy
{
    /// <summary>Member cap, 0 for none.</summary>
    [JsonPropertyName("max_members")]
    public long MaxMembers { get; set; }

    /// <summary>Allowed ports; <see langword="null"/> is written as <c>null</c>, empty as <c>[]</c>.</summary>
    [JsonPropertyName("allowed_ports")]
    public List<ushort>? AllowedPorts { get; set; }

    /// <summary>Description.</summary>
    [JsonPropertyName("description")]
    public string? Description { get; set; }
}

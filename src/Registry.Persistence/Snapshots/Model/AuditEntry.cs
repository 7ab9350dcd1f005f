using System.Text.Json.Serialization;

namespace Registry.Persistence.Snapshots.Model;

/// <summary>An audit-log element (Go <c>audit.Entry</c>).</summary>
public sealed class AuditEntry
{
    /// <summary>RFC 3339 UTC text.</summary>
    [JsonPropertyName("timestamp")]
    public string? Timestamp { get; set; }

    /// <summary>Action name, e.g. <c>node.registered</c>.</summary>
    [JsonPropertyName("action")]
    [JsonConverter(typeof(PooledStringConverter))]
    public string? Action { get; set; }

    /// <summary>Network concerned, 0 for none.</summary>
    [JsonPropertyName("network_id")]
    public ushort NetworkId { get; set; }

    /// <summary>Node concerned, 0 for none.</summary>
    [JsonPropertyName("node_id")]
    public uint NodeId { get; set; }

    /// <summary><c>k=v, k=v</c> details.</summary>
    [JsonPropertyName("details")]
    public string? Details { get; set; }
}

using System.Text.Json.Serialization;

namespace Registry.Persistence.Snapshots.Model;

/// <summary>Audit-export configuration (Go <c>wire.BlueprintAuditExport</c>).</summary>
public sealed class BlueprintAuditExport
{
    /// <summary><c>json</c>, <c>splunk_hec</c> or <c>syslog_cef</c>; always written.</summary>
    [JsonPropertyName("format")]
    public string? Format { get; set; }

    /// <summary>Endpoint; always written.</summary>
    [JsonPropertyName("endpoint")]
    public string? Endpoint { get; set; }

    /// <summary>Token.</summary>
    [JsonPropertyName("token")]
    public string? Token { get; set; }

    /// <summary>Index.</summary>
    [JsonPropertyName("index")]
    public string? Index { get; set; }

    /// <summary>Source.</summary>
    [JsonPropertyName("source")]
    public string? Source { get; set; }
}

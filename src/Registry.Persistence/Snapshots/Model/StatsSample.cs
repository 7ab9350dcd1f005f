using System.Text.Json.Serialization;

namespace Registry.Persistence.Snapshots.Model;

/// <summary>A dashboard history sample (Go <c>dashboard.StatsSample</c>).</summary>
public sealed class StatsSample
{
    /// <summary>Unix seconds.</summary>
    [JsonPropertyName("ts")]
    public long Timestamp { get; set; }

    /// <summary>Node count.</summary>
    [JsonPropertyName("total_nodes")]
    public long TotalNodes { get; set; }

    /// <summary>Online node count.</summary>
    [JsonPropertyName("online_nodes")]
    public long OnlineNodes { get; set; }

    /// <summary>Trust pair count (omitted when 0).</summary>
    [JsonPropertyName("trust_links")]
    public long TrustLinks { get; set; }

    /// <summary>Request counter.</summary>
    [JsonPropertyName("total_requests")]
    public long TotalRequests { get; set; }
}

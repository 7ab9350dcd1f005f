using System.Text.Json.Serialization;

namespace Registry.Persistence.Snapshots.Model;

/// <summary>A per-network history sample (Go <c>dashboard.NetworkSampleEntry</c>).</summary>
public sealed class NetworkSampleEntry
{
    /// <summary>Unix seconds.</summary>
    [JsonPropertyName("ts")]
    public long Timestamp { get; set; }

    /// <summary>Network id.</summary>
    [JsonPropertyName("id")]
    public ushort Id { get; set; }

    /// <summary>Network name.</summary>
    [JsonPropertyName("name")]
    [JsonConverter(typeof(PooledStringConverter))]
    public string? Name { get; set; }

    /// <summary>Member count.</summary>
    [JsonPropertyName("members")]
    public long Members { get; set; }

    /// <summary>Online member count.</summary>
    [JsonPropertyName("online")]
    public long Online { get; set; }

    /// <summary>Request counter.</summary>
    [JsonPropertyName("requests")]
    public long Requests { get; set; }
}

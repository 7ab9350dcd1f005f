using System.Text.Json.Serialization;

namespace Registry.Persistence.Snapshots.Model;

/// <summary>A node as the Go <c>SnapshotNode</c> writes it (format-spec §4.2); times are kept as their RFC 3339 text.</summary>
/// <remarks>Read by <see cref="SnapshotNodeConverter"/> (the hot path of a load), written by the Go-exact encoder.</remarks>
[JsonConverter(typeof(SnapshotNodeConverter))]
public sealed class SnapshotNode
{
    /// <summary>Node id.</summary>
    [JsonPropertyName("id")]
    public uint Id { get; set; }

    /// <summary>Owner identity.</summary>
    [JsonPropertyName("owner")]
    public string? Owner { get; set; }

    /// <summary>Standard base64 of the Ed25519 public key; always written.</summary>
    [JsonPropertyName("public_key")]
    public string? PublicKey { get; set; }

    /// <summary>Public address <c>host:port</c>.</summary>
    [JsonPropertyName("real_addr")]
    public string? RealAddr { get; set; }

    /// <summary>Network ids; <see langword="null"/> is written as <c>null</c> (no omitempty).</summary>
    [JsonPropertyName("networks")]
    public List<ushort>? Networks { get; set; }

    /// <summary>Visible to everyone.</summary>
    [JsonPropertyName("public")]
    public bool Public { get; set; }

    /// <summary>Last heartbeat, RFC 3339 text.</summary>
    [JsonPropertyName("last_seen")]
    public string? LastSeen { get; set; }

    /// <summary>Hostname.</summary>
    [JsonPropertyName("hostname")]
    public string? Hostname { get; set; }

    /// <summary>Tags.</summary>
    [JsonPropertyName("tags")]
    public List<string>? Tags { get; set; }

    /// <summary>Accepts task execution.</summary>
    [JsonPropertyName("task_exec")]
    public bool TaskExec { get; set; }

    /// <summary>LAN addresses.</summary>
    [JsonPropertyName("lan_addrs")]
    public List<string>? LanAddrs { get; set; }

    /// <summary>Key creation time, RFC 3339 text.</summary>
    [JsonPropertyName("key_created")]
    public string? KeyCreated { get; set; }

    /// <summary>Last key rotation time, RFC 3339 text.</summary>
    [JsonPropertyName("key_rotated")]
    public string? KeyRotated { get; set; }

    /// <summary>Number of key rotations.</summary>
    [JsonPropertyName("key_rot_count")]
    public long KeyRotCount { get; set; }

    /// <summary>Key expiry time, RFC 3339 text.</summary>
    [JsonPropertyName("key_expires")]
    public string? KeyExpires { get; set; }

    /// <summary>External identity.</summary>
    [JsonPropertyName("external_id")]
    public string? ExternalId { get; set; }

    /// <summary>Software version.</summary>
    [JsonPropertyName("version")]
    public string? Version { get; set; }

    /// <summary>Reachable only through relays.</summary>
    [JsonPropertyName("relay_only")]
    public bool RelayOnly { get; set; }
}

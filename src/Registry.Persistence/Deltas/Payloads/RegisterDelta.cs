using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Payload of <see cref="DeltaType.Register"/>: everything needed to recreate a newly registered node (Go's <c>RegisterDelta</c>).</summary>
/// <remarks>
/// Written only when a request creates a new node id; re-registration of a known key or owner writes nothing.
/// Members and order follow the Go struct. Optional members are null when absent: Go omits them when empty,
/// so null and empty mean the same. Replay requires a non-zero <see cref="NodeId"/> and a
/// <see cref="PublicKey"/> that is valid standard base64 (format-spec §3.3).
/// </remarks>
public sealed record RegisterDelta
{
    /// <summary>The new node's id.</summary>
    [JsonPropertyName("node_id")]
    public uint NodeId { get; set; }

    /// <summary>The owner (for example an e-mail address), or null when none was given.</summary>
    [JsonPropertyName("owner")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public string? Owner { get; set; }

    /// <summary>The node's Ed25519 public key: standard base64 with padding of the 32 raw bytes.</summary>
    [JsonPropertyName("public_key")]
    public string PublicKey { get; set => field = value ?? string.Empty; } = string.Empty;

    /// <summary>The recorded (observed) address, <c>host:port</c>, or null.</summary>
    [JsonPropertyName("real_addr")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public string? RealAddr { get; set; }

    /// <summary>The hostname actually assigned, or null when none was requested or it was taken.</summary>
    [JsonPropertyName("hostname")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public string? Hostname { get; set; }

    /// <summary>The node's LAN addresses, or null when it reported none.</summary>
    [JsonPropertyName("lan_addrs")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public IReadOnlyList<string>? LanAddrs { get; set; }

    /// <summary>The daemon's version text, or null.</summary>
    [JsonPropertyName("version")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public string? Version { get; set; }

    /// <summary>Registration time as RFC 3339 UTC with seconds (<c>2026-05-12T08:00:00Z</c>), or null; replay uses "now" when it does not parse.</summary>
    [JsonPropertyName("created_at")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public string? CreatedAt { get; set; }

    /// <summary>Whether the node is reachable only through a relay (ours; Go has no such member and ignores it); omitted when false.</summary>
    [JsonPropertyName("relay_only")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool RelayOnly { get; set; }
}

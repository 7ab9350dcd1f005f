using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Payload of <see cref="DeltaType.NodeUpdate"/> (ours): the complete resulting record of a node that <c>register</c> refreshed, reclaimed or re-keyed.</summary>
/// <remarks>
/// Set semantics: replay makes the node exactly this record (creating it if it was reaped), re-indexes its key,
/// owner and hostname, and makes it a member of every listed network that exists. All members are always
/// written; empty strings and lists are results, not "absent". Times are RFC 3339 UTC with seconds, <c>""</c> = none.
/// </remarks>
public sealed record NodeUpdateDelta
{
    /// <summary>The node's id (unchanged by any register outcome).</summary>
    [JsonPropertyName("node_id")]
    public uint NodeId { get; set; }

    /// <summary>The node's public key after the update, standard base64.</summary>
    [JsonPropertyName("public_key")]
    public string PublicKey { get; set => field = value ?? string.Empty; } = string.Empty;

    /// <summary>The owner, or <c>""</c>.</summary>
    [JsonPropertyName("owner")]
    public string Owner { get; set => field = value ?? string.Empty; } = string.Empty;

    /// <summary>The recorded address, or <c>""</c>.</summary>
    [JsonPropertyName("real_addr")]
    public string RealAddr { get; set => field = value ?? string.Empty; } = string.Empty;

    /// <summary>The hostname, or <c>""</c>.</summary>
    [JsonPropertyName("hostname")]
    public string Hostname { get; set => field = value ?? string.Empty; } = string.Empty;

    /// <summary>The LAN addresses.</summary>
    [JsonPropertyName("lan_addrs")]
    public IReadOnlyList<string> LanAddrs { get; set => field = value ?? []; } = [];

    /// <summary>The daemon version text, or <c>""</c>.</summary>
    [JsonPropertyName("version")]
    public string Version { get; set => field = value ?? string.Empty; } = string.Empty;

    /// <summary>Whether the node is reachable only through a relay.</summary>
    [JsonPropertyName("relay_only")]
    public bool RelayOnly { get; set; }

    /// <summary>Whether the node is public.</summary>
    [JsonPropertyName("public")]
    public bool Public { get; set; }

    /// <summary>The node's tags.</summary>
    [JsonPropertyName("tags")]
    public IReadOnlyList<string> Tags { get; set => field = value ?? []; } = [];

    /// <summary>Whether the node accepts tasks.</summary>
    [JsonPropertyName("task_exec")]
    public bool TaskExec { get; set; }

    /// <summary>The networks the node belongs to, in the node's order.</summary>
    [JsonPropertyName("networks")]
    public IReadOnlyList<ushort> Networks { get; set => field = value ?? []; } = [];

    /// <summary>When the current key was created.</summary>
    [JsonPropertyName("key_created")]
    public string KeyCreated { get; set => field = value ?? string.Empty; } = string.Empty;

    /// <summary>When the key was last rotated, or <c>""</c>.</summary>
    [JsonPropertyName("key_rotated")]
    public string KeyRotated { get; set => field = value ?? string.Empty; } = string.Empty;

    /// <summary>How many times the key was rotated.</summary>
    [JsonPropertyName("key_rot_count")]
    public int KeyRotCount { get; set; }

    /// <summary>When the key expires, or <c>""</c> for never.</summary>
    [JsonPropertyName("key_expires")]
    public string KeyExpires { get; set => field = value ?? string.Empty; } = string.Empty;

    /// <summary>The identity provider's id for the node, or <c>""</c>.</summary>
    [JsonPropertyName("external_id")]
    public string ExternalId { get; set => field = value ?? string.Empty; } = string.Empty;

    /// <summary>The node's last-seen time after the update.</summary>
    [JsonPropertyName("last_seen")]
    public string LastSeen { get; set => field = value ?? string.Empty; } = string.Empty;
}

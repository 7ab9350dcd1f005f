using System.Text.Json.Serialization;

namespace Registry.Persistence.Snapshots.Model;

/// <summary>
/// The registry snapshot document: the Go <c>Snapshot</c> struct of format-spec §4.1 with its member names, plus our
/// <see cref="WalSeq"/>. Maps are keyed by the key text found in the file, so a Go-written file re-encodes byte for byte.
/// </summary>
/// <remarks>
/// <see langword="null"/> and empty collections are kept apart because Go writes them differently
/// (<c>null</c> versus <c>[]</c>/<c>{}</c>) where the member has no omitempty.
/// </remarks>
public sealed class Snapshot
{
    /// <summary>Format version: 1 for checksummed files, 0 (absent) for legacy files.</summary>
    [JsonPropertyName("version")]
    public long Version { get; set; }

    /// <summary>The next node id to assign.</summary>
    [JsonPropertyName("next_node")]
    public uint NextNode { get; set; }

    /// <summary>The next network id to assign.</summary>
    [JsonPropertyName("next_net")]
    public ushort NextNet { get; set; }

    /// <summary>Nodes by decimal id; written as <c>null</c> when <see langword="null"/>.</summary>
    [JsonPropertyName("nodes")]
    public Dictionary<string, SnapshotNode>? Nodes { get; set; }

    /// <summary>When set, the nodes the encoder writes instead of <see cref="Nodes"/> (which is then ignored); never read from a file.</summary>
    [JsonIgnore]
    public ISnapshotNodeSource? NodeSource { get; set; }

    /// <summary>Networks by decimal id; written as <c>null</c> when <see langword="null"/>.</summary>
    [JsonPropertyName("networks")]
    public Dictionary<string, SnapshotNet>? Networks { get; set; }

    /// <summary>Trust pairs as <c>"min:max"</c>, in file order (Go writes them in random order).</summary>
    [JsonPropertyName("trust_pairs")]
    public List<string>? TrustPairs { get; set; }

    /// <summary>Base64 public key to node id, including keys of reaped nodes.</summary>
    [JsonPropertyName("pub_key_idx")]
    public Dictionary<string, uint>? PubKeyIdx { get; set; }

    /// <summary>Pending handshake requests by decimal recipient id.</summary>
    [JsonPropertyName("handshake_inbox")]
    public Dictionary<string, List<HandshakeRelayMsg>?>? HandshakeInbox { get; set; }

    /// <summary>Pending handshake responses by decimal requester id.</summary>
    [JsonPropertyName("handshake_responses")]
    public Dictionary<string, List<HandshakeResponseMsg>?>? HandshakeResponses { get; set; }

    /// <summary>Pending network invites by decimal invitee id.</summary>
    [JsonPropertyName("invite_inbox")]
    public Dictionary<string, List<NetworkInvite>?>? InviteInbox { get; set; }

    /// <summary>Dashboard request counter.</summary>
    [JsonPropertyName("total_requests")]
    public long TotalRequests { get; set; }

    /// <summary>Dashboard node count.</summary>
    [JsonPropertyName("total_nodes")]
    public long TotalNodes { get; set; }

    /// <summary>Dashboard online node count.</summary>
    [JsonPropertyName("online_nodes")]
    public long OnlineNodes { get; set; }

    /// <summary>Dashboard trust pair count.</summary>
    [JsonPropertyName("trust_links")]
    public long TrustLinks { get; set; }

    /// <summary>Dashboard distinct tag count.</summary>
    [JsonPropertyName("unique_tags")]
    public long UniqueTags { get; set; }

    /// <summary>Dashboard task-executor count.</summary>
    [JsonPropertyName("task_executors")]
    public long TaskExecutors { get; set; }

    /// <summary>Process start time, RFC 3339 text as written.</summary>
    [JsonPropertyName("start_time")]
    public string? StartTime { get; set; }

    /// <summary>Restart times in Unix milliseconds.</summary>
    [JsonPropertyName("restart_events")]
    public List<long>? RestartEvents { get; set; }

    /// <summary>Registry downtime intervals in Unix milliseconds.</summary>
    [JsonPropertyName("downtime_intervals")]
    public List<MillisInterval>? DowntimeIntervals { get; set; }

    /// <summary>Last heartbeat in Unix milliseconds.</summary>
    [JsonPropertyName("last_heartbeat")]
    public long LastHeartbeat { get; set; }

    /// <summary>Probe states by probe name.</summary>
    [JsonPropertyName("probe_states")]
    public Dictionary<string, ProbeState?>? ProbeStates { get; set; }

    /// <summary>Hourly dashboard samples in chronological order.</summary>
    [JsonPropertyName("hourly_history")]
    public List<StatsSample>? HourlyHistory { get; set; }

    /// <summary>Daily dashboard samples in chronological order.</summary>
    [JsonPropertyName("daily_history")]
    public List<StatsSample>? DailyHistory { get; set; }

    /// <summary>Hourly per-network samples by decimal network id.</summary>
    [JsonPropertyName("net_hourly_history")]
    public Dictionary<string, List<NetworkSampleEntry>?>? NetHourlyHistory { get; set; }

    /// <summary>Daily per-network samples by decimal network id.</summary>
    [JsonPropertyName("net_daily_history")]
    public Dictionary<string, List<NetworkSampleEntry>?>? NetDailyHistory { get; set; }

    /// <summary>The audit ring, oldest first.</summary>
    [JsonPropertyName("audit_log")]
    public List<AuditEntry>? AuditLog { get; set; }

    /// <summary>Identity-provider blueprint, when configured.</summary>
    [JsonPropertyName("idp_config")]
    public BlueprintIdentityProvider? IdpConfig { get; set; }

    /// <summary>Audit-export blueprint, when configured.</summary>
    [JsonPropertyName("audit_export_config")]
    public BlueprintAuditExport? AuditExportConfig { get; set; }

    /// <summary>RBAC pre-assignments by decimal network id.</summary>
    [JsonPropertyName("rbac_pre_assign")]
    public Dictionary<string, List<BlueprintRole>?>? RbacPreAssign { get; set; }

    /// <summary>Ours: the sequence number of the last delta this snapshot contains; 0 (omitted) when unknown. Go ignores it.</summary>
    [JsonPropertyName("wal_seq")]
    public ulong WalSeq { get; set; }

    /// <summary>The checksum as read from the file (64 lowercase hex), or <see langword="null"/>; ignored when writing, which computes it.</summary>
    [JsonPropertyName("checksum")]
    public string? Checksum { get; set; }
}

using Registry.Persistence.Wal;

namespace Registry.Server.Hosting;

/// <summary>Settings of the registry server, bound from the <c>Registry</c> configuration section (appsettings.json, then <c>Registry__Name</c> environment variables).</summary>
/// <remarks>Validated once at start by <see cref="RegistryServerOptionsValidator"/>; an invalid value stops the process with one log line.</remarks>
public sealed class RegistryServerOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Registry";

    /// <summary>The client protocol listener, as <c>ip:port</c>. Default <c>127.0.0.1:9000</c> (loopback until an operator opens it).</summary>
    public string ListenEndpoint { get; set; } = "127.0.0.1:9000";

    /// <summary>Where the log and snapshots live. Default <c>./data</c>.</summary>
    public string DataDirectory { get; set; } = "./data";

    /// <summary>The global admin token; empty disables every admin-gated operation (§2.2).</summary>
    public string? AdminToken { get; set; }

    /// <summary>The token standbys must present to subscribe; empty = replication not configured (§5).</summary>
    public string? ReplicationToken { get; set; }

    /// <summary>The metrics/health HTTP listener as <c>ip:port</c>; null or empty = off.</summary>
    public string? MetricsEndpoint { get; set; }

    /// <summary>When an acknowledged mutation is on disk. Default <see cref="WalDurability.Always"/>.</summary>
    public WalDurability Durability { get; set; } = WalDurability.Always;

    /// <summary>The primary to follow as <c>host:port</c>; set = run as a standby.</summary>
    public string? StandbyOf { get; set; }

    /// <summary>
    /// With <see cref="StandbyOf"/>: when this standby is promoted by request, tell the old primary (if it still runs) that a
    /// newer epoch exists, which makes it refuse writes from then on; default true. Off only to study a split brain.
    /// </summary>
    public bool FenceOnPromote { get; set; } = true;

    /// <summary>With <see cref="StandbyOf"/>: dial the primary over TLS and accept only the certificate with this pin (lowercase hex SHA-256 of its DER); unset = plain TCP.</summary>
    public string? StandbyTlsPin { get; set; }

    /// <summary>With <see cref="StandbyOf"/>: dial the primary over TLS and validate its chain against the CA certificates of this PEM file only, and its name against the host of <see cref="StandbyOf"/>.</summary>
    /// <remarks>Survives certificate renewals, unlike a pin; excludes <see cref="StandbyTlsPin"/> and <see cref="StandbyTlsSystemTrust"/>.</remarks>
    public string? StandbyTlsCa { get; set; }

    /// <summary>With <see cref="StandbyOf"/>: dial the primary over TLS and validate its certificate against the OS trust store and the host of <see cref="StandbyOf"/>.</summary>
    public bool StandbyTlsSystemTrust { get; set; }

    /// <summary>TLS of the client listener (§1.1); off by default.</summary>
    public TlsOptions Tls { get; set; } = new();

    /// <summary>The largest accepted request body in bytes. Default 1 MiB.</summary>
    /// <remarks>
    /// The protocol allows 64 MiB, but the largest real request (a register with LAN addresses, tags and a key) is
    /// a few KiB, while a 64 MiB ceiling lets every hostile connection make us buffer 64 MiB. 1 MiB is the older Go
    /// limit and leaves three orders of magnitude of headroom; raise it only for a known client that needs it.
    /// </remarks>
    public int MaxFrameBytes { get; set; } = 1024 * 1024;

    /// <summary>An idle client connection is closed after this long. Default 5 minutes (§1.1).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A reply not written within this time closes the connection. Default 5 s (§1.1).</summary>
    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The most concurrent client connections; more are accepted and closed at once. Default 100,000.</summary>
    public int MaxConnections { get; set; } = 100_000;

    /// <summary>How long shutdown waits for requests in flight. Default 3 s; the host's shutdown timeout is this plus 5 s.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Client socket send/receive buffer size in bytes; unset keeps the OS default (Go uses 4096 for very many connections).</summary>
    public int? SocketBufferBytes { get; set; }

    /// <summary>Event-loop threads serving plaintext JSON connections (docs/adr/0016); 0 gives every connection a task of its own. Default 1.</summary>
    public int EventLoops { get; set; } = 1;

    /// <summary>False disables the per-connection rate rule (§1.4). Default true.</summary>
    public bool RateLimit { get; set; } = true;

    /// <summary>How long after a verified signature heartbeats skip verification (Go: 120 s). Default 0 = always verify.</summary>
    /// <remarks>Off by default: skipping accepts unsigned heartbeats for a node inside the window; enable it only if verify cost matters.</remarks>
    public TimeSpan HeartbeatVerifySkip { get; set; } = TimeSpan.Zero;

    /// <summary>Registrations allowed per client IP per minute; 0 = unlimited (default, as the newest Go server). [M] used 10.</summary>
    public int RegistrationsPerIpPerMinute { get; set; }

    /// <summary>Lookups/resolves/list_nodes allowed per client IP per minute; 0 = unlimited (default). [M] used 500.</summary>
    public int QueriesPerIpPerMinute { get; set; }

    /// <summary>How many verified (key, challenge, signature) triples are remembered so an identical signed request is not verified twice; 0 = verify every time. Default 250,000.</summary>
    /// <remarks>A memo of a pure function: only exact repeats of signatures that verified are answered from it (see <c>SignatureVerifier</c>).</remarks>
    public int VerifiedSignatureCacheEntries { get; set; } = Security.SignatureVerifier.DefaultVerifiedCapacity;

    /// <summary>How old a cached <c>list_nodes</c> reply may be; Go used 1 s. Default 0: a reply is reused only while the state is unchanged.</summary>
    public TimeSpan ListNodesMaxStaleness { get; set; } = TimeSpan.Zero;

    /// <summary>The beacon (relay) address given for relay-only nodes in lookup and resolve replies (§3.2), HOST:PORT; empty (default) gives them no address.</summary>
    public string BeaconAddress { get; set; } = string.Empty;

    /// <summary>A node not heard from for this long is reaped (§2.4). Default 30 minutes.</summary>
    public TimeSpan StaleThreshold { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How often the reaper runs (§2.4). Default 10 s.</summary>
    public TimeSpan ReapInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A changed state is snapshotted at most this often (the seed's save loop). Default 5 s.</summary>
    public TimeSpan SaveInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Snapshot as soon as this many log entries were written since the last snapshot, to bound replay. Default 500,000.</summary>
    public long SnapshotAfterEntries { get; set; } = 500_000;

    /// <summary>A standby lagging more than this is reported not ready. Default 30 s.</summary>
    public TimeSpan MaxStandbyLag { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// As a primary, acknowledge a mutation only once a standby also confirms holding it durably, so an acknowledged
    /// change survives the loss of this server (docs/replication.md, "Synchronous replication"). Default false:
    /// acknowledged when durable here, streamed to standbys within milliseconds.
    /// </summary>
    public bool SynchronousReplication { get; set; }

    /// <summary>With <see cref="SynchronousReplication"/>: how long a mutation waits for a standby's confirmation before it is answered with an error (it stays durable here). Default 10 s.</summary>
    public TimeSpan SynchronousReplicationTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>With <see cref="SynchronousReplication"/>: how many distinct standbys must confirm a mutation before it is acknowledged. Default 1 (any one).</summary>
    public int SynchronousStandbys { get; set; } = 1;

    /// <summary>
    /// As a primary, refuse writes unless at least this many standbys confirmed what they hold within
    /// <see cref="MinStandbysMaxLag"/> (as Redis's <c>min-replicas-to-write</c>): a primary cut off from its standbys
    /// stops acknowledging writes that a failover would lose (docs/replication.md, "Refusing writes without standbys").
    /// Default 0: off.
    /// </summary>
    public int MinStandbysToWrite { get; set; }

    /// <summary>With <see cref="MinStandbysToWrite"/>: a standby not heard from for longer than this does not count. Default 10 s, at least 2 s (standbys confirm every second).</summary>
    public TimeSpan MinStandbysMaxLag { get; set; } = TimeSpan.FromSeconds(10);
}

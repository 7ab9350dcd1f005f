using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Registry.Core;
using Registry.Core.Lifecycle;
using Registry.Persistence.Lifecycle;
using Registry.Persistence.Replication;
using Registry.Persistence.Snapshots.Model;
using Registry.Server.Replication;
using Registry.Server.Dispatch;
using Registry.Server.Hosting;
using Registry.Server.Observability;
using Registry.Server.Protocol;
using Registry.Server.Security;

namespace Registry.Server.Registry;

/// <summary>The real backend: owns the <see cref="Store"/> (log + snapshots) and the <see cref="NodeRegistry"/> state, and maps the request handlers (the core subset and the next tier of §7).</summary>
/// <remarks>
/// Start opens and recovers the data directory (the directory lock keeps a second process out), attaches the log to
/// the registry, starts the save loop and logs one line describing the recovery. Stop disposes the store, which writes
/// a final snapshot; by then the listener has drained, so the snapshot holds every acknowledged request.
/// </remarks>
public sealed partial class StoreBackend : IRegistryBackend, IDurabilityWaiter, IAsyncDisposable
{
    private readonly RegistryServerOptions _options;
    private readonly TimeProvider _time;
    private readonly SignatureVerifier _verifier;
    private readonly AdminToken _adminToken;
    private readonly PersistenceMetrics _metrics;
    private readonly PerIpLimits _limits;
    private readonly RecentVerifications _recent;
    private readonly ILogger<StoreBackend> _logger;
    private readonly ILoggerFactory _loggers;
    private volatile DurableRegistry? _registry;
    private DeltaFeed? _feed;
    private DeltaReplicationSource? _source;
    private StandbyFollower? _follower;
    private CancellationTokenSource? _following;
    private Task _followLoop = Task.CompletedTask;
    private TimelineKeeper? _timeline;
    private StandbyConfirmations? _confirmations;
    private MinimumStandbys? _minimum;
    private string? _identity;
    private readonly CancellationTokenSource _background = new();

    /// <summary>Creates the backend from DI; nothing is opened until <see cref="StartAsync"/>.</summary>
    public StoreBackend(
        IOptions<RegistryServerOptions> options,
        TimeProvider time,
        SignatureVerifier verifier,
        AdminToken adminToken,
        PersistenceMetrics metrics,
        PerIpLimits limits,
        RecentVerifications recent,
        ILogger<StoreBackend> logger,
        ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _time = time;
        _verifier = verifier;
        _adminToken = adminToken;
        _metrics = metrics;
        _limits = limits;
        _recent = recent;
        _logger = logger;
        _loggers = loggers;
    }

    /// <inheritdoc />
    public bool IsStandby => _registry is { } registry ? registry.Store.IsStandby || registry.WritesClosed : !string.IsNullOrEmpty(_options.StandbyOf);

    /// <inheritdoc />
    public string? ReplicationToken => _registry?.Store.ReplicationToken ?? _options.ReplicationToken;

    /// <inheritdoc />
    /// <remarks>Serves snapshots and log records to standbys (docs/replication.md); a standby can feed further standbys.</remarks>
    public IReplicationSource? Replication => _source;

    /// <summary>The connection to the primary while this server is a standby, else null.</summary>
    internal StandbyFollower? Follower => _follower;

    /// <summary>What the standbys confirmed, on a primary asking them (synchronous replication, MinStandbysToWrite); else null.</summary>
    internal StandbyConfirmations? Confirmations => _confirmations;

    /// <summary>The registry once started, else null (the reaper skips ticks until then).</summary>
    internal DurableRegistry? Registry => _registry;

    /// <inheritdoc />
    public string? WaitFor(ulong acknowledged, ulong covered) => _registry?.WaitFor(acknowledged, covered);

    /// <inheritdoc />
    public void AttachCommitter() => DurableRegistry.AttachCommitter();

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Before recovery, so an unusable CA file fails the start before the data directory is locked or created.
        var primaryTrust = StandbyTrust(_options);
        var deltaLog = new WalDeltaLog();
        var machine = new RegistryStateMachine(new NodeRegistry(deltaLog, _time));
        Store store;
        try
        {
            store = Store.Open(
                new StoreOptions
                {
                    DataDirectory = _options.DataDirectory,
                    Durability = _options.Durability,
                    SaveInterval = _options.SaveInterval,
                    SnapshotAfterEntries = _options.SnapshotAfterEntries,
                    TimeProvider = _time,
                    SaveFailed = ex => SaveFailed(_logger, ex.Message),
                },
                machine);
        }
        catch (Exception ex) when (ex is Persistence.PersistenceException or IOException or UnauthorizedAccessException or InvalidDeltaException)
        {
            // One line, no stack trace: the message names the file and offset and what to do.
            throw new ServerStartupException($"cannot open data directory {Path.GetFullPath(_options.DataDirectory)}: {ex.Message}", ex);
        }

        deltaLog.Attach(store.Log);
        store.ReplicationToken = _options.ReplicationToken ?? string.Empty;

        // A standby refuses client writes and follows its primary; it can itself feed further standbys.
        store.IsStandby = !string.IsNullOrEmpty(_options.StandbyOf);
        try
        {
            _timeline = OpenTimeline(store);
            _identity = ServerIdentity.LoadOrCreate(_options.DataDirectory);
        }
        catch (Exception ex) when (ex is Persistence.PersistenceException or IOException or UnauthorizedAccessException)
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw new ServerStartupException($"cannot open data directory {Path.GetFullPath(_options.DataDirectory)}: {ex.Message}", ex);
        }

        store.Start();
        _feed = new DeltaFeed(store.Log);
        _confirmations = _options.SynchronousReplication || _options.MinStandbysToWrite > 0 ? new StandbyConfirmations(_time, _options.SynchronousReplication ? AckRequest.EveryChange : AckRequest.KeepAlive, _options.SynchronousStandbys) : null;
        _source = new DeltaReplicationSource(_feed, ct => CaptureAcknowledgedAsync(machine.Registry, store, ct), _time, _loggers.CreateLogger<DeltaReplicationSource>(), _timeline, OnSuperseded, _confirmations);
        if (store.IsStandby)
        {
            if (!HostPort.TryParse(_options.StandbyOf, out var primary))
            {
                throw new ServerStartupException($"--standby-of must be HOST:PORT, got '{_options.StandbyOf}'");
            }

            _follower = new StandbyFollower(primary, _options.ReplicationToken ?? string.Empty, new StandbyReplica(store, machine), _time, _loggers.CreateLogger<StandbyFollower>(), primaryTrust, _timeline)
            {
                Identity = _identity,
            };
            _following = new CancellationTokenSource();
            _followLoop = _follower.RunAsync(_following.Token);
        }

        var report = store.Recovery;
        RecoveryCompleted(
            _logger,
            Path.GetFullPath(_options.DataDirectory),
            report.Layout,
            report.Snapshot.Found ? report.Snapshot.Path : "none",
            report.Snapshot.Generation,
            report.SnapshotSequence,
            report.Replayed,
            report.LastSequence,
            report.BytesCut,
            report.Duration.TotalMilliseconds,
            machine.Warnings.Count);

        _metrics.SetSampler(() => Sample(store, report));
        _minimum = _confirmations is not null && _options.MinStandbysToWrite > 0 ? new MinimumStandbys(_confirmations, _options.MinStandbysToWrite, _options.MinStandbysMaxLag) : null;
        _registry = new DurableRegistry(
            machine.Registry,
            store,
            _confirmations is not null && _options.SynchronousReplication ? new SynchronousReplication(_confirmations, _options.SynchronousReplicationTimeout, _time) : null,
            _minimum);
        if (!store.IsStandby && _timeline.Current.SupersededBy is { } superseding)
        {
            // Fenced at an earlier run: the fence outlives the restart (docs/replication.md, "Fencing on promotion").
            _fencedBy = superseding;
            _writesClosedReason = SupersededReason(superseding);
            await _registry.CloseWritesAsync(cancellationToken).ConfigureAwait(false);
            StillSuperseded(_logger, superseding);
        }
        else if (!store.IsStandby && _timeline.Current.SteppedDownAt is { } steppedDownAt)
        {
            // Stepped down at an earlier run, in a switchover that may still complete: stay read-only until told.
            _writesClosedReason = SteppedDownReason;
            await _registry.CloseWritesAsync(cancellationToken).ConfigureAwait(false);
            StillSteppedDown(_logger, steppedDownAt);
        }
    }

    /// <summary>Loads the data directory's timeline and records the role: a server that last ran as a standby and now starts as a primary is promoted (a new epoch), as by the promote request.</summary>
    private TimelineKeeper OpenTimeline(Store store)
    {
        var keeper = new TimelineKeeper(_options.DataDirectory, Timeline.Load(_options.DataDirectory));
        if (store.IsStandby)
        {
            keeper.Replace(keeper.Current.WithFollowing(true));
        }
        else if (keeper.Current.Following)
        {
            var next = store.Log.AppendedSequence + 1;
            keeper.Replace(keeper.Current.Promote(next));
            PromotedByRestart(_logger, keeper.Current.Current, next);
        }

        return keeper;
    }

    /// <inheritdoc />
    public void MapHandlers(RequestDispatcher dispatcher)
    {
        ArgumentNullException.ThrowIfNull(dispatcher);
        var registry = _registry ?? throw new InvalidOperationException("the backend is not started");
        var auth = new RequestAuth(registry.State, _verifier, _adminToken);
        var guard = new HandlerGuard(_logger);
        var nodes = new NodeHandlers(registry, auth, _time, _limits, _recent);
        nodes.Map(dispatcher, guard);
        new BinaryHandlers(registry, auth, _time, _limits, _recent, nodes, _options.BeaconAddress).Map(dispatcher, guard);
        new QueryHandlers(registry, auth, _time, _limits, new ListNodesCache(_time, _options.ListNodesMaxStaleness), _options.BeaconAddress).Map(dispatcher, guard);
        new RelayHandlers(registry, auth, new BeaconTable(_time)).Map(dispatcher, guard);
        new TrustHandlers(registry, auth, _verifier).Map(dispatcher, guard);
        new NetworkHandlers(registry, auth).Map(dispatcher, guard);
        new IdentityHandlers(registry, auth, _time).Map(dispatcher, guard);
        new InviteHandlers(registry, auth).Map(dispatcher, guard);
        new EnterpriseHandlers(registry, auth).Map(dispatcher, guard);
        new PolicyHandlers(registry, auth).Map(dispatcher, guard);
        dispatcher.Map(StandbyPolicy.PromoteType, guard.Wrap((_, request, ct) => PromoteAsync(auth, request, ct)));
        dispatcher.Map(StandbyPolicy.StepDownType, guard.Wrap((_, request, ct) => StepDownAsync(auth, request, ct)));
        dispatcher.Map(StandbyPolicy.StatusType, guard.Wrap((_, request, _) => StatusAsync(auth, request)));
    }


    /// <inheritdoc />
    public ReadinessReport CheckReadiness()
    {
        var registry = _registry;
        if (_follower?.DivergedAt is { } diverged)
        {
            return ReadinessReport.NotReady($"standby history diverged from the primary at sequence {diverged}");
        }

        if (registry?.WritesClosed == true)
        {
            return ReadinessReport.NotReady(_writesClosedReason ?? "read-only until restarted");
        }

        if (registry is { Store.IsStandby: false } && _options.SynchronousReplication && _confirmations is { } confirmations
            && confirmations.ConfirmingStandbys is var confirming && confirming < confirmations.Quorum)
        {
            return ReadinessReport.NotReady(confirmations.Quorum == 1
                ? "synchronous replication: no standby is connected to confirm writes"
                : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"synchronous replication: {confirming} of the {confirmations.Quorum} standbys required are connected to confirm writes"));
        }

        if (registry is { Store.IsStandby: false } && _minimum is { } minimum && !minimum.Met(out var heard))
        {
            return ReadinessReport.NotReady(string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"writes refused: {heard} of the {minimum.Required} standbys required (Registry:MinStandbysToWrite) heard from within {minimum.MaxLag.TotalSeconds:0.###} s"));
        }

        return registry is null
            ? ReadinessReport.NotReady("recovering")
            : ReadinessReport.Evaluate(recovered: true, registry.Store.Log.Failure, registry.Store.IsStandby, StandbyLag(), _options.MaxStandbyLag, _follower?.CaughtUp ?? true, _follower?.LagSequences ?? 0, _follower?.Behind ?? TimeSpan.Zero);
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_background.IsCancellationRequested)
        {
            await _background.CancelAsync().ConfigureAwait(false);
        }

        if (_following is not null)
        {
            await _following.CancelAsync().ConfigureAwait(false);
            await _followLoop.ConfigureAwait(false);
            _following.Dispose();
            _following = null;
        }

        _feed?.Dispose();
        var registry = Interlocked.Exchange(ref _registry, null);
        if (registry is not null)
        {
            _metrics.SetSampler(static () => null);
            await registry.Store.DisposeAsync().ConfigureAwait(false);
            Stopped(_logger, registry.Store.Statistics.LastSnapshotSequence);
        }
    }

    /// <summary>Closes the store if <see cref="StopAsync"/> did not run (a failed start after recovery).</summary>
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    /// <summary>A snapshot of acknowledged state for a subscriber: captured atomically, sent only once its last delta is durable.</summary>
    private static async Task<Snapshot> CaptureAcknowledgedAsync(NodeRegistry registry, Store store, CancellationToken cancellationToken)
    {
        // Only ever encoded into a replication message: nodes go to the encoder one at a time (same bytes), so a
        // subscription does not build a model of the whole registry first.
        var (snapshot, sequence) = registry.CaptureForEncoding();
        await store.Log.WhenAcknowledged(sequence).WaitAsync(cancellationToken).ConfigureAwait(false);
        snapshot.WalSeq = sequence;
        return snapshot;
    }

    /// <summary>For a standby, how long since the primary was last heard from (unbounded before the first contact); null for a primary.</summary>
    private TimeSpan? StandbyLag()
    {
        var follower = _follower;
        if (follower is null)
        {
            return null;
        }

        var contact = follower.LastContact;
        return contact == 0 ? TimeSpan.MaxValue : _time.GetElapsedTime(contact);
    }

    private PersistenceSample Sample(Store store, RecoveryReport report)
    {
        var statistics = store.Statistics;
        var (batches, syncs) = store.Log.Counters;
        var appended = store.Log.AppendedSequence;
        return new PersistenceSample
        {
            AppendedSequence = appended,
            DurableSequence = store.Log.DurableSequence,
            LogBytes = store.Log.Size,
            RecordsSinceSnapshot = (long)(appended - Math.Min(appended, statistics.LastSnapshotSequence)),
            Batches = batches,
            Syncs = syncs,
            SnapshotSaves = statistics.Saves,
            SnapshotUrgentSaves = statistics.UrgentSaves,
            SnapshotFailures = statistics.SaveFailures,
            LastSnapshotDuration = statistics.LastSaveDuration,
            RecoveryDuration = report.Duration,
            Poisoned = store.Log.Failure is not null,
            ReplicationSubscribers = _feed?.Subscribers ?? 0,
            ReplicationLag = _follower?.Behind,
            SincePrimary = StandbyLag() is { } contact && contact != TimeSpan.MaxValue ? contact : null,
            ReplicationLagSequences = _follower?.LagSequences,
            ReplicationDiverged = _follower?.DivergedAt is not null,
            ReplicationConfirmedSequence = _confirmations?.Confirmed,
            ReplicationConfirmingStandbys = _confirmations?.ConfirmingStandbys ?? 0,
            ReplicationStandbysHeard = _minimum?.Heard ?? 0,
        };
    }

    /// <summary>How a standby trusts its primary's TLS certificate (the options validator allowed at most one mode); null = plain TCP.</summary>
    /// <exception cref="ServerStartupException">The CA file is unusable; the message names it.</exception>
    private static TlsClientTrust? StandbyTrust(RegistryServerOptions options)
    {
        try
        {
            // The options validator has refused a malformed pin and more than one trust setting.
            return TlsClientTrust.From(options.StandbyTlsPin, options.StandbyTlsCa, options.StandbyTlsSystemTrust);
        }
        catch (InvalidDataException ex)
        {
            throw new ServerStartupException($"standby: {ex.Message}", ex);
        }
    }

    [LoggerMessage(1, LogLevel.Information, "Recovered {DataDirectory}: layout={Layout} snapshot={SnapshotPath} generation={SnapshotGeneration} snapshot_seq={SnapshotSequence} replayed={Replayed} last_seq={LastSequence} bytes_cut={BytesCut} duration_ms={DurationMs:F1} warnings={Warnings}")]
    private static partial void RecoveryCompleted(ILogger logger, string dataDirectory, string layout, string? snapshotPath, int snapshotGeneration, ulong snapshotSequence, long replayed, ulong lastSequence, long bytesCut, double durationMs, int warnings);

    [LoggerMessage(2, LogLevel.Error, "Snapshot save failed (retried on the next tick; the log still holds everything): {Reason}")]
    private static partial void SaveFailed(ILogger logger, string reason);

    [LoggerMessage(LogLevel.Warning, "Started as a primary after running as a standby: promoted, epoch {Epoch} begins at sequence {Sequence}")]
    private static partial void PromotedByRestart(ILogger logger, ulong epoch, ulong sequence);


    [LoggerMessage(3, LogLevel.Information, "Store closed; last snapshot covers sequence {Sequence}")]
    private static partial void Stopped(ILogger logger, ulong sequence);
}

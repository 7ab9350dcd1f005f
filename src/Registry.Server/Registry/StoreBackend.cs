using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Registry.Core;
using Registry.Core.Lifecycle;
using Registry.Persistence.Lifecycle;
using Registry.Server.Dispatch;
using Registry.Server.Hosting;
using Registry.Server.Observability;
using Registry.Server.Security;

namespace Registry.Server.Registry;

/// <summary>The real backend: owns the <see cref="Store"/> (log + snapshots) and the <see cref="NodeRegistry"/> state, and maps the core request handlers.</summary>
/// <remarks>
/// Start opens and recovers the data directory (the directory lock keeps a second process out), attaches the log to
/// the registry, starts the save loop and logs one line describing the recovery. Stop disposes the store, which writes
/// a final snapshot; by then the listener has drained, so the snapshot holds every acknowledged request.
/// </remarks>
public sealed partial class StoreBackend : IRegistryBackend, IAsyncDisposable
{
    private readonly RegistryServerOptions _options;
    private readonly TimeProvider _time;
    private readonly SignatureVerifier _verifier;
    private readonly AdminToken _adminToken;
    private readonly PersistenceMetrics _metrics;
    private readonly PerIpLimits _limits;
    private readonly RecentVerifications _recent;
    private readonly ILogger<StoreBackend> _logger;
    private volatile DurableRegistry? _registry;

    /// <summary>Creates the backend from DI; nothing is opened until <see cref="StartAsync"/>.</summary>
    public StoreBackend(
        IOptions<RegistryServerOptions> options,
        TimeProvider time,
        SignatureVerifier verifier,
        AdminToken adminToken,
        PersistenceMetrics metrics,
        PerIpLimits limits,
        RecentVerifications recent,
        ILogger<StoreBackend> logger)
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
    }

    /// <inheritdoc />
    public bool IsStandby => _registry?.Store.IsStandby ?? !string.IsNullOrEmpty(_options.StandbyOf);

    /// <inheritdoc />
    public string? ReplicationToken => _registry?.Store.ReplicationToken ?? _options.ReplicationToken;

    /// <inheritdoc />
    /// <remarks>Replication is built on another branch; until it is wired in, subscribers get "replication not configured".</remarks>
    public IReplicationSource? Replication => null;

    /// <summary>The registry once started, else null (the reaper skips ticks until then).</summary>
    internal DurableRegistry? Registry => _registry;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
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

        // --standby-of is recorded only: following a primary is the replication branch's work. A standby refuses writes.
        store.IsStandby = !string.IsNullOrEmpty(_options.StandbyOf);
        store.Start();

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
        _registry = new DurableRegistry(machine.Registry, store);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public void MapHandlers(RequestDispatcher dispatcher)
    {
        ArgumentNullException.ThrowIfNull(dispatcher);
        var registry = _registry ?? throw new InvalidOperationException("the backend is not started");
        var auth = new RequestAuth(registry.State, _verifier, _adminToken);
        var guard = new HandlerGuard(_logger);
        new NodeHandlers(registry, auth, _time, _limits, _recent).Map(dispatcher, guard);
        new QueryHandlers(registry, auth, _time, _limits).Map(dispatcher, guard);
        new TrustHandlers(registry, auth, _verifier).Map(dispatcher, guard);
        new NetworkHandlers(registry, auth).Map(dispatcher, guard);
    }

    /// <inheritdoc />
    public ReadinessReport CheckReadiness()
    {
        var registry = _registry;
        return registry is null
            ? ReadinessReport.NotReady("recovering")
            : ReadinessReport.Evaluate(recovered: true, registry.Store.Log.Failure, registry.Store.IsStandby, replicationLag: null, _options.MaxStandbyLag);
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
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

    private static PersistenceSample Sample(Store store, RecoveryReport report)
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
            SnapshotFailures = statistics.SaveFailures,
            LastSnapshotDuration = statistics.LastSaveDuration,
            RecoveryDuration = report.Duration,
            Poisoned = store.Log.Failure is not null,
        };
    }

    [LoggerMessage(1, LogLevel.Information, "Recovered {DataDirectory}: layout={Layout} snapshot={SnapshotPath} generation={SnapshotGeneration} snapshot_seq={SnapshotSequence} replayed={Replayed} last_seq={LastSequence} bytes_cut={BytesCut} duration_ms={DurationMs:F1} warnings={Warnings}")]
    private static partial void RecoveryCompleted(ILogger logger, string dataDirectory, string layout, string? snapshotPath, int snapshotGeneration, ulong snapshotSequence, long replayed, ulong lastSequence, long bytesCut, double durationMs, int warnings);

    [LoggerMessage(2, LogLevel.Error, "Snapshot save failed (retried on the next tick; the log still holds everything): {Reason}")]
    private static partial void SaveFailed(ILogger logger, string reason);

    [LoggerMessage(3, LogLevel.Information, "Store closed; last snapshot covers sequence {Sequence}")]
    private static partial void Stopped(ILogger logger, ulong sequence);
}

using System.Diagnostics.Metrics;

namespace Registry.Server.Observability;

/// <summary>The seam through which the backend exports WAL, snapshot and replication numbers on the <c>Registry.Persistence</c> meter.</summary>
/// <remarks>
/// Gauges and counters are observable: a scrape calls the sampler set with <see cref="SetSampler"/> once and reads
/// every value from that one sample. The distributions measured at the source (fsync duration, batch records, recovery
/// duration, snapshot save duration) come from Registry.Persistence's own static meter of the same name, which the
/// exporter also collects; they are not duplicated here, because two series of one name would make the exposition
/// invalid. <see cref="RecordAppendLatency"/> is for a caller-side timing (enqueue to acknowledgement per request).
/// </remarks>
public sealed class PersistenceMetrics
{
    /// <summary>The meter name of these instruments.</summary>
    public const string MeterName = "Registry.Persistence";

    private readonly Histogram<double> _appendLatency;
    private Func<PersistenceSample?> _sampler = static () => null;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>.</summary>
    public PersistenceMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        var latencyBuckets = new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1] };
        _appendLatency = meter.CreateHistogram("registry.wal.append.duration", "s", "Time from enqueue to durable acknowledgement of an append.", null, latencyBuckets);

        Gauge(meter, "registry.wal.appended_sequence", "Last sequence number appended.", s => s.AppendedSequence);
        Gauge(meter, "registry.wal.durable_sequence", "Last sequence number durable on disk.", s => s.DurableSequence);
        Gauge(meter, "registry.wal.size", "Bytes in the log.", s => s.LogBytes, "By");
        Gauge(meter, "registry.wal.records_since_snapshot", "Log records written since the last snapshot.", s => s.RecordsSinceSnapshot);
        Counter(meter, "registry.wal.batches", "Group-commit batches written.", s => s.Batches);
        Counter(meter, "registry.wal.syncs", "Log fsyncs issued.", s => s.Syncs);
        Counter(meter, "registry.snapshot.saves", "Snapshots saved.", s => s.SnapshotSaves);
        Counter(meter, "registry.snapshot.urgent_saves", "Snapshots saved before the save interval came round, because the log grew past SnapshotAfterEntries or SnapshotAfterLogBytes since the last capture.", s => s.SnapshotUrgentSaves);
        Counter(meter, "registry.snapshot.failures", "Snapshot saves that failed.", s => s.SnapshotFailures);
        Gauge(meter, "registry.snapshot.last_duration", "Duration of the last snapshot save.", s => s.LastSnapshotDuration.TotalSeconds, "s");
        Gauge(meter, "registry.recovery.last_duration", "Duration of this process's startup recovery.", s => s.RecoveryDuration.TotalSeconds, "s");
        Gauge(meter, "registry.wal.poisoned", "1 when the log is poisoned and refuses appends.", s => s.Poisoned ? 1 : 0);
        Gauge(meter, "registry.replication.subscribers", "Connected replication subscribers.", s => s.ReplicationSubscribers);
        Gauge(meter, "registry.replication.lag", "On a standby: how long it has lacked something the primary had (0 while it holds every position the primary announced).", s => s.ReplicationLag?.TotalSeconds ?? 0, "s");
        Gauge(meter, "registry.replication.since_primary", "On a standby: time since the primary was last heard from (it heartbeats every 15 s).", s => s.SincePrimary?.TotalSeconds ?? 0, "s");
        Gauge(meter, "registry.replication.lag_sequences", "Records a standby is behind its primary.", s => s.ReplicationLagSequences ?? 0);
        Gauge(meter, "registry.replication.confirmed_sequence", "On a synchronous primary: the highest sequence that SynchronousStandbys standbys (one by default) confirmed holding durably.", s => (double)(s.ReplicationConfirmedSequence ?? 0));
        Gauge(meter, "registry.replication.confirming_standbys", "On a synchronous primary or one with MinStandbysToWrite: standbys connected and confirming what they hold.", s => s.ReplicationConfirmingStandbys);
        Gauge(meter, "registry.replication.standbys_heard", "On a primary with MinStandbysToWrite: standbys heard from within its lag; writes are refused below the minimum.", s => s.ReplicationStandbysHeard);
        Gauge(meter, "registry.replication.diverged", "1 when the primary refused this standby because their histories diverged.", s => s.ReplicationDiverged ? 1 : 0);
    }

    /// <summary>Sets the function that reads the current numbers (called once per instrument per scrape; keep it cheap).</summary>
    public void SetSampler(Func<PersistenceSample?> sampler)
    {
        ArgumentNullException.ThrowIfNull(sampler);
        _sampler = sampler;
    }

    /// <summary>Records one append's enqueue-to-acknowledged latency.</summary>
    public void RecordAppendLatency(TimeSpan elapsed) => _appendLatency.Record(elapsed.TotalSeconds);

    private void Gauge(Meter meter, string name, string description, Func<PersistenceSample, double> read, string? unit = null) =>
        meter.CreateObservableGauge(name, () => Observe(read), unit, description);

    private void Counter(Meter meter, string name, string description, Func<PersistenceSample, double> read) =>
        meter.CreateObservableCounter(name, () => Observe(read), unit: null, description);

    private IEnumerable<Measurement<double>> Observe(Func<PersistenceSample, double> read)
    {
        // No sample (backend not started yet): report nothing rather than a misleading zero.
        return _sampler() is { } sample ? [new Measurement<double>(read(sample))] : [];
    }
}

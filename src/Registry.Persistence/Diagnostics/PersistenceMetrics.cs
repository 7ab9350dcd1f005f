using System.Diagnostics.Metrics;

namespace Registry.Persistence.Diagnostics;

/// <summary>The persistence layer's instruments, on the meter <see cref="MeterName"/>; any <see cref="MeterListener"/> (the server's Prometheus exporter) can collect them.</summary>
public static class PersistenceMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Registry.Persistence";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Seconds an fdatasync of the log took.</summary>
    internal static readonly Histogram<double> FsyncDuration = Meter.CreateHistogram<double>("registry.wal.fsync.duration", "s", "Duration of one fdatasync of the active log segment.");

    /// <summary>Seconds from a batch's first append to its acknowledgement (the longest wait in the batch).</summary>
    internal static readonly Histogram<double> AppendLatency = Meter.CreateHistogram<double>("registry.wal.append.latency", "s", "Time from the first append of a batch to its acknowledgement.");

    /// <summary>Records per written batch (the group-commit factor).</summary>
    internal static readonly Histogram<int> BatchRecords = Meter.CreateHistogram<int>("registry.wal.batch.records", "{record}", "Records written and synced together in one batch.");

    /// <summary>Bytes appended to the log.</summary>
    internal static readonly Counter<long> AppendedBytes = Meter.CreateCounter<long>("registry.wal.appended.bytes", "By", "Bytes of records written to the log.");

    /// <summary>Write or sync failures that poisoned a log.</summary>
    internal static readonly Counter<long> Poisonings = Meter.CreateCounter<long>("registry.wal.poisoned", "{event}", "I/O failures that stopped a log (fail-stop).");

    /// <summary>Seconds a snapshot save took (capture, encode, checksum, atomic write, compaction).</summary>
    internal static readonly Histogram<double> SnapshotDuration = Meter.CreateHistogram<double>("registry.snapshot.save.duration", "s", "Duration of one snapshot save including compaction.");

    /// <summary>Seconds a snapshot capture held the state's lock.</summary>
    internal static readonly Histogram<double> CapturePause = Meter.CreateHistogram<double>("registry.snapshot.capture.pause", "s", "Time a snapshot capture holds the state's lock, stalling every mutation and read.");

    /// <summary>Failed snapshot saves.</summary>
    internal static readonly Counter<long> SnapshotFailures = Meter.CreateCounter<long>("registry.snapshot.save.failures", "{save}", "Snapshot saves that failed (retried on the next tick).");

    /// <summary>Seconds recovery took (snapshot load and log replay).</summary>
    internal static readonly Histogram<double> RecoveryDuration = Meter.CreateHistogram<double>("registry.recovery.duration", "s", "Duration of startup recovery.");

    /// <summary>Records how long a snapshot capture held the state machine's lock (mutations and reads wait that long).</summary>
    public static void RecordCapturePause(TimeSpan pause) => CapturePause.Record(pause.TotalSeconds);
}

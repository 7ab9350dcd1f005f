using Registry.Persistence.IO;

namespace Registry.Persistence.Wal;

/// <summary>Settings of a write-ahead log, validated once when the log opens.</summary>
public sealed class WalOptions
{
    /// <summary>The default size cap: 256 MiB, the Go original's limit.</summary>
    public const long DefaultMaxSizeBytes = 256L * 1024 * 1024;

    /// <summary>The default segment size at which the log rotates to a new file: 64 MiB.</summary>
    public const long DefaultSegmentSizeBytes = 64L * 1024 * 1024;

    /// <summary>The largest payload one record may carry: 1 MiB, the Go reader's entry limit.</summary>
    public const int DefaultMaxPayloadBytes = 1024 * 1024;

    /// <summary>The directory holding the segment files; created if missing, and locked while open.</summary>
    public required string Directory { get; init; }

    /// <summary>When an append is durable. Default <see cref="WalDurability.Always"/>.</summary>
    public WalDurability Durability { get; init; } = WalDurability.Always;

    /// <summary>In <see cref="WalDurability.Interval"/> mode, the longest time a written append may stay unsynced. Default 10 ms.</summary>
    public TimeSpan SyncInterval { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// The longest the flusher waits for appenders released by the previous batch to append again before it
    /// writes the next batch (only while fewer have arrived than the previous batch held). Default 200 µs; zero disables.
    /// </summary>
    /// <remarks>
    /// Without it, concurrent appenders split into two half-full batches that alternate, paying one fsync per
    /// half. The wait is bounded and never applies to a lone appender, whose previous batch held one record.
    /// </remarks>
    public TimeSpan MaxCommitDelay { get; init; } = TimeSpan.FromMicroseconds(200);

    /// <summary>
    /// How long the flusher keeps looking for the next append (yielding, not sleeping) after it completes a batch,
    /// before it goes to sleep. Default 50 µs; zero disables.
    /// </summary>
    /// <remarks>A lone appender appends again within microseconds; catching that without a sleep and a wake-up
    /// saves a context switch per append. The cost is at most this much yielding per batch.</remarks>
    public TimeSpan MaxIdleSpin { get; init; } = TimeSpan.FromMicroseconds(50);

    /// <summary>The cap on the log's total size across segments. Default 256 MiB.</summary>
    public long MaxSizeBytes { get; init; } = DefaultMaxSizeBytes;

    /// <summary>The size at which the active segment is closed and a new one started. Default 64 MiB.</summary>
    public long SegmentSizeBytes { get; init; } = DefaultSegmentSizeBytes;

    /// <summary>The largest payload accepted by an append and by the reader. Default 1 MiB.</summary>
    public int MaxPayloadBytes { get; init; } = DefaultMaxPayloadBytes;

    /// <summary>
    /// When true, corruption inside the log (not a torn tail) is repaired by keeping the valid prefix and
    /// setting the rest aside. Default false: opening refuses with a <see cref="WalCorruptionException"/>.
    /// </summary>
    public bool RecoverPrefix { get; init; }

    /// <summary>The sequence number the first entry gets when the log is created empty. Default 1.</summary>
    public ulong FirstSequence { get; init; } = 1;

    /// <summary>The clock for the interval sync. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The file system; tests substitute one that injects faults.</summary>
    internal IStorage Storage { get; init; } = OsStorage.Instance;

    /// <summary>Throws <see cref="ArgumentException"/> naming the setting when one is out of range.</summary>
    public void Validate()
    {
        Check(!string.IsNullOrWhiteSpace(Directory), nameof(Directory), "must name a directory");
        Check(MaxPayloadBytes is >= 1 and <= 64 * 1024 * 1024, nameof(MaxPayloadBytes), "must be between 1 byte and 64 MiB");
        Check(SegmentSizeBytes >= SegmentHeader.Size + RecordFrame.SizeOf(MaxPayloadBytes), nameof(SegmentSizeBytes), "must hold at least one record of the largest payload");
        Check(MaxSizeBytes >= SegmentHeader.Size + RecordFrame.HeaderSize, nameof(MaxSizeBytes), "must hold at least one record");
        Check(FirstSequence >= 1, nameof(FirstSequence), "must be at least 1");
        Check(Enum.IsDefined(Durability), nameof(Durability), "must be Always, Interval or None");
        Check(Durability != WalDurability.Interval || SyncInterval > TimeSpan.Zero, nameof(SyncInterval), "must be positive in Interval mode");
        Check(MaxCommitDelay >= TimeSpan.Zero && MaxCommitDelay <= TimeSpan.FromMilliseconds(10), nameof(MaxCommitDelay), "must be between 0 and 10 ms");
        Check(MaxIdleSpin >= TimeSpan.Zero && MaxIdleSpin <= TimeSpan.FromMilliseconds(1), nameof(MaxIdleSpin), "must be between 0 and 1 ms");
        Check(TimeProvider is not null, nameof(TimeProvider), "must be set");
    }

    /// <param name="valid">Whether the rule holds.</param>
    /// <param name="setting">The setting's name, reported as the argument at fault.</param>
    /// <param name="rule">What the setting must satisfy.</param>
    private static void Check(bool valid, string setting, string rule)
    {
        if (!valid)
        {
            throw new ArgumentException($"WalOptions.{setting} {rule}.", nameof(setting));
        }
    }
}

using Registry.Persistence.IO;
using Registry.Persistence.Snapshots.Storage;
using Registry.Persistence.Wal;

namespace Registry.Persistence.Lifecycle;

/// <summary>Settings of a <see cref="Store"/>, validated once when it opens.</summary>
public sealed class StoreOptions
{
    /// <summary>The data directory; created if missing, and locked while the store is open.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>When an append is durable. Default <see cref="WalDurability.Always"/>.</summary>
    public WalDurability Durability { get; init; } = WalDurability.Always;

    /// <summary>The cap on the log's size. Default 256 MiB.</summary>
    public long MaxLogBytes { get; init; } = WalOptions.DefaultMaxSizeBytes;

    /// <summary>The save loop's tick: a dirty state is snapshotted at most this often. Default 5 s (the seed's).</summary>
    public TimeSpan SaveInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The replica push loop's tick. Default 1 s (the seed's).</summary>
    public TimeSpan PushInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Snapshot as soon as this many entries were logged since the last snapshot, to bound replay time. Default 500,000.</summary>
    public long SnapshotAfterEntries { get; init; } = 500_000;

    /// <summary>
    /// Snapshot as soon as this many bytes were logged since the last snapshot was captured. The log also keeps the
    /// previous generation's segments, so it holds up to about twice this; keep it well below the cap. Default 64 MiB.
    /// </summary>
    public long SnapshotAfterLogBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Accept a log that is corrupt inside by keeping its valid prefix (operator's explicit choice). Default false.</summary>
    public bool RecoverPrefix { get; init; }

    /// <summary>The clock for the loops. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Called with each replication push tick when the state changed since the last one; null disables pushing.</summary>
    public Func<CancellationToken, ValueTask>? PushAsync { get; init; }

    /// <summary>Called when a snapshot save fails (the seed's IncSaveFailures); the save is retried on the next tick.</summary>
    public Action<Exception>? SaveFailed { get; init; }

    /// <summary>The log's file system; tests substitute one that injects faults.</summary>
    internal IStorage LogStorage { get; init; } = OsStorage.Instance;

    /// <summary>The snapshots' file system; tests substitute one that injects faults.</summary>
    internal ISnapshotFileSystem SnapshotFileSystem { get; init; } = PosixSnapshotFileSystem.Instance;

    /// <summary>Throws <see cref="ArgumentException"/> naming the setting when one is out of range.</summary>
    public void Validate()
    {
        Check(!string.IsNullOrWhiteSpace(DataDirectory), nameof(DataDirectory), "must name a directory");
        Check(SaveInterval > TimeSpan.Zero, nameof(SaveInterval), "must be positive");
        Check(PushInterval > TimeSpan.Zero, nameof(PushInterval), "must be positive");
        Check(SnapshotAfterEntries > 0, nameof(SnapshotAfterEntries), "must be positive");
        Check(SnapshotAfterLogBytes > 0 && SnapshotAfterLogBytes <= MaxLogBytes, nameof(SnapshotAfterLogBytes), "must be positive and at most MaxLogBytes");
        Check(TimeProvider is not null, nameof(TimeProvider), "must be set");
    }

    /// <summary>The log settings derived from these.</summary>
    internal WalOptions LogOptions(DataLayout layout, ulong firstSequence) => new()
    {
        Directory = layout.WalDirectory,
        Durability = Durability,
        MaxSizeBytes = MaxLogBytes,
        RecoverPrefix = RecoverPrefix,
        FirstSequence = firstSequence,
        TimeProvider = TimeProvider,
        Storage = LogStorage,
    };

    /// <summary>The snapshot store for <paramref name="fileName"/> in <paramref name="layout"/>.</summary>
    internal Snapshots.SnapshotStore SnapshotStore(DataLayout layout, string fileName) =>
        new(new Snapshots.SnapshotStoreOptions { Directory = layout.Directory, FileName = fileName }, SnapshotFileSystem);

    /// <param name="valid">Whether the rule holds.</param>
    /// <param name="setting">The setting's name.</param>
    /// <param name="rule">What it must satisfy.</param>
    private static void Check(bool valid, string setting, string rule)
    {
        if (!valid)
        {
            throw new ArgumentException($"StoreOptions.{setting} {rule}.", nameof(setting));
        }
    }
}

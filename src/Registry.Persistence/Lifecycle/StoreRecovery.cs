using System.Diagnostics;
using Registry.Persistence.Snapshots;
using Registry.Persistence.Wal;
using Registry.Persistence.Wal.Legacy;

namespace Registry.Persistence.Lifecycle;

/// <summary>Rebuilds the state from a data directory: newest verifying snapshot, then the log after it.</summary>
/// <remarks>
/// Recovery never starts fresh on top of files it cannot read. A snapshot that exists but does not verify (in every
/// generation), a log that is corrupt inside, a gap between the snapshot and the log, or an entry that cannot be
/// applied all stop it with a report, unless the operator asked to recover the valid prefix of the log.
/// The read-only form (<see cref="Inspect"/>) does the same reading without changing any file.
/// </remarks>
internal static class StoreRecovery
{
    /// <summary>Recovers into <paramref name="machine"/> and returns the open log, positioned after the recovered state.</summary>
    public static (WriteAheadLog Log, SnapshotStore Snapshots, RecoveryReport Report) Recover(StoreOptions options, DataLayout layout, IStateMachine machine)
    {
        var clock = Stopwatch.StartNew();
        if (layout.IsGoLayout)
        {
            return RecoverGo(options, layout, machine, clock);
        }

        var snapshots = options.SnapshotStore(layout, DataLayout.SnapshotFileName);
        var loaded = snapshots.Load();
        machine.Restore(loaded.Snapshot, DataLayoutKind.Pilot);
        var snapshotSeq = loaded.Found ? loaded.WalSeq : 0;

        var log = WriteAheadLog.Open(options.LogOptions(layout, snapshotSeq + 1));
        try
        {
            var first = log.FirstSequence;
            if (first > snapshotSeq + 1 && !options.RecoverPrefix)
            {
                throw new RecoveryException(
                    $"the log starts at sequence {first} but the snapshot covers only up to {snapshotSeq}: entries {snapshotSeq + 1}..{first - 1} are missing; refusing to start (an explicit prefix recovery accepts the loss)",
                    layout.WalDirectory);
            }

            var (replayed, skipped, last) = Replay(log, machine, snapshotSeq);
            if (log.AppendedSequence < snapshotSeq)
            {
                // The log is older than the snapshot (lost or restored from backup): continue numbering after the snapshot.
                log.StartAfter(snapshotSeq);
            }

            machine.RecoveryCompleted(loaded.Found, DataLayoutKind.Pilot);
            if (!loaded.Found && log.Recovery.Records == 0)
            {
                // A new registry (or one whose first start failed before this): persist its initial state, the
                // backbone and its creation time, before any mutation.
                var (initial, sequence) = machine.Capture();
                initial.WalSeq = sequence;
                snapshots.Save(initial);
            }

            return (log, snapshots, new RecoveryReport
            {
                Layout = loaded.Found || log.Recovery.Records > 0 ? "pilot" : "empty",
                Snapshot = loaded,
                SnapshotSequence = snapshotSeq,
                Replayed = replayed,
                Skipped = skipped,
                LastSequence = Math.Max(last, snapshotSeq),
                BytesCut = log.Recovery.BytesCut,
                LogProblems = log.Recovery.Problems,
                SideFiles = log.Recovery.SideFiles,
                Duration = clock.Elapsed,
            });
        }
        catch
        {
            log.Dispose();
            throw;
        }
    }

    /// <summary>Performs the same recovery without changing any file; damage is reported instead of repaired or refused.</summary>
    public static RecoveryReport Inspect(DataLayout layout, IStateMachine machine, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        if (layout.IsGoLayout)
        {
            var (goLoaded, goError, goReplayed, goResult) = ReplayGo(layout, machine, cancellationToken);
            return new RecoveryReport
            {
                Layout = "go",
                Snapshot = goLoaded,
                Replayed = goReplayed,
                BytesCut = goResult?.UnconsumedBytes ?? 0,
                LogProblems = goResult?.Problems ?? [],
                LegacyReplayError = goError,
                Duration = clock.Elapsed,
            };
        }

        var snapshots = new SnapshotStore(new SnapshotStoreOptions { Directory = layout.Directory, FileName = DataLayout.SnapshotFileName });
        var loaded = snapshots.Load(cancellationToken);
        machine.Restore(loaded.Snapshot, DataLayoutKind.Pilot);
        var snapshotSeq = loaded.Found ? loaded.WalSeq : 0;
        long replayed = 0, skipped = 0;
        ulong last = snapshotSeq;
        var problems = new List<WalProblem>();
        long wouldCut = 0;
        if (Directory.Exists(layout.WalDirectory) && Directory.EnumerateFiles(layout.WalDirectory, "*.wal").Any())
        {
            var result = WalReader.Read(layout.WalDirectory, (in WalRecord record) =>
            {
                if (record.Entry.SeqNo <= snapshotSeq)
                {
                    skipped++;
                    return;
                }

                machine.Apply(record.Entry);
                replayed++;
                last = record.Entry.SeqNo;
            }, cancellationToken: cancellationToken);
            problems.AddRange(result.Problems);
            if (result.TornTail)
            {
                wouldCut = result.FileBytes - result.ValidBytes;
            }

            if (result.Sequences.First > snapshotSeq + 1)
            {
                problems.Add(new WalProblem(0, WalProblemKind.SequenceGap, $"the log starts at sequence {result.Sequences.First} but the snapshot covers only up to {snapshotSeq}") { FilePath = layout.WalDirectory });
            }
        }

        machine.RecoveryCompleted(loaded.Found, DataLayoutKind.Pilot);
        return new RecoveryReport
        {
            Layout = loaded.Found || replayed + skipped > 0 ? "pilot" : "empty",
            Snapshot = loaded,
            SnapshotSequence = snapshotSeq,
            Replayed = replayed,
            Skipped = skipped,
            LastSequence = last,
            BytesCut = wouldCut,
            LogProblems = problems,
            Duration = clock.Elapsed,
        };
    }

    private static (long Replayed, long Skipped, ulong Last) Replay(WriteAheadLog log, IStateMachine machine, ulong snapshotSeq)
    {
        long replayed = 0, skipped = 0;
        ulong last = 0;
        log.Read(0, (in WalRecord record) =>
        {
            if (record.Entry.SeqNo <= snapshotSeq)
            {
                skipped++;
                return;
            }

            try
            {
                machine.Apply(record.Entry);
            }
            catch (Exception ex) when (ex is not RecoveryException)
            {
                throw new RecoveryException($"log entry {record.Entry.SeqNo} (kind {(byte)record.Entry.Type}) cannot be applied: {ex.Message}; refusing to start", record.FilePath, record.Offset, ex);
            }

            replayed++;
            last = record.Entry.SeqNo;
        });
        return (replayed, skipped, last);
    }

    /// <summary>Recovers a Go data directory with the Go semantics, then continues in our layout by writing our first snapshot.</summary>
    private static (WriteAheadLog Log, SnapshotStore Snapshots, RecoveryReport Report) RecoverGo(StoreOptions options, DataLayout layout, IStateMachine machine, Stopwatch clock)
    {
        var (loaded, error, replayed, result) = ReplayGo(layout, machine, CancellationToken.None);
        var snapshots = options.SnapshotStore(layout, DataLayout.SnapshotFileName);
        var log = WriteAheadLog.Open(options.LogOptions(layout, 1));
        try
        {
            // Our first snapshot makes the migration durable; from then on the Go files are ignored, never changed.
            var (snapshot, _) = machine.Capture();
            snapshot.WalSeq = log.AppendedSequence;
            snapshots.Save(snapshot);
            return (log, snapshots, new RecoveryReport
            {
                Layout = "go",
                Snapshot = loaded,
                Replayed = replayed,
                LastSequence = log.AppendedSequence,
                BytesCut = result?.UnconsumedBytes ?? 0,
                LogProblems = result?.Problems ?? [],
                LegacyReplayError = error,
                Duration = clock.Elapsed,
            });
        }
        catch
        {
            log.Dispose();
            throw;
        }
    }

    private static (SnapshotLoadResult Loaded, string? Error, long Replayed, LegacyReadResult? Result) ReplayGo(DataLayout layout, IStateMachine machine, CancellationToken cancellationToken)
    {
        var goSnapshots = new SnapshotStore(new SnapshotStoreOptions { Directory = layout.Directory, FileName = DataLayout.GoSnapshotFileName });
        var loaded = goSnapshots.Load(cancellationToken);
        machine.Restore(loaded.Snapshot, DataLayoutKind.Go);
        LegacyReadResult? result = null;
        if (File.Exists(layout.GoWalPath))
        {
            // Go's replay semantics: every entry before the first framing or apply error is applied, then replay stops.
            result = LegacyWalReader.Replay(layout.GoWalPath, record =>
            {
                try
                {
                    machine.ApplyLegacy(record.Entry);
                    return null;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    return ex.Message;
                }
            }, cancellationToken);
        }

        machine.RecoveryCompleted(loaded.Found, DataLayoutKind.Go);
        return (loaded, result?.Error, result?.Count ?? 0, result);
    }
}

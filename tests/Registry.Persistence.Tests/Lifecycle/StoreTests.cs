using Microsoft.Extensions.Time.Testing;
using Registry.Persistence.Deltas;
using Registry.Persistence.Deltas.Payloads;
using Registry.Persistence.Lifecycle;
using Registry.Persistence.Snapshots;
using Registry.Persistence.Tests.Wal;
using Registry.Persistence.Wal;
using Registry.Persistence.Wal.Legacy;

namespace Registry.Persistence.Tests.Lifecycle;

public class StoreTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StoreOptions Options(string dir, FakeTimeProvider? time = null, Func<CancellationToken, ValueTask>? push = null, Action<Exception>? failed = null, long snapshotAfterEntries = 500_000, long snapshotAfterLogBytes = 64L << 20, Registry.Persistence.Snapshots.Storage.ISnapshotFileSystem? snapshotFiles = null) => new()
    {
        DataDirectory = dir,
        TimeProvider = time ?? new FakeTimeProvider(),
        PushAsync = push,
        SaveFailed = failed,
        SnapshotAfterEntries = snapshotAfterEntries,
        SnapshotAfterLogBytes = snapshotAfterLogBytes,
        SnapshotFileSystem = snapshotFiles ?? Registry.Persistence.Snapshots.Storage.PosixSnapshotFileSystem.Instance,
    };

    /// <summary>Logs records until the log grew by at least <paramref name="bytes"/>; returns the next free index.</summary>
    private static async Task<int> LogAtLeast(Store store, HostnameMachine machine, int from, long bytes)
    {
        var until = store.Log.AppendedBytes + bytes;
        while (store.Log.AppendedBytes < until)
        {
            await SetMany(store, machine, from++, 1);
        }

        return from;
    }

    private static async Task SetMany(Store store, HostnameMachine machine, int from, int count)
    {
        for (var i = from; i < from + count; i++)
        {
            await machine.Set(store.Log, (uint)i, $"node-{i}").Acknowledged;
        }
    }

    private static void WaitUntil(Func<bool> condition, string what) =>
        Assert.True(SpinWait.SpinUntil(condition, Bound), $"timed out waiting for {what}");

    [Fact]
    public async Task Open_EmptyDirectory_ThenReopen_RecoversEveryMutationFromTheLog()
    {
        using var dir = new TempDirectory();
        var machine = new HostnameMachine();
        var store = Store.Open(Options(dir.Path), machine);
        Assert.Equal("empty", store.Recovery.Layout);
        await SetMany(store, machine, 1, 20);
        var crashCopy = dir.Combine("crash");
        WalTestKit.CopyDirectory(dir.Combine("wal"), Path.Combine(crashCopy, "wal"));
        await store.DisposeAsync();

        // A copy taken while running (no final snapshot) recovers from the log alone.
        var recovered = new HostnameMachine();
        await using (var reopened = Store.Open(Options(crashCopy), recovered))
        {
            Assert.Equal(20, reopened.Recovery.Replayed);
            Assert.Equal(machine.Names, recovered.Names);
            Assert.False(recovered.CompletedWithSnapshot);
        }

        // The cleanly closed directory recovers from its final snapshot.
        var fromSnapshot = new HostnameMachine();
        await using var clean = Store.Open(Options(dir.Path), fromSnapshot);
        Assert.Equal(20UL, clean.Recovery.SnapshotSequence);
        Assert.Equal(0, clean.Recovery.Replayed);
        Assert.Equal(machine.Names, fromSnapshot.Names);
    }

    [Fact]
    public async Task SaveLoop_CoalescesSignals_OneSnapshotPerTickOnlyWhenDirty()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider();
        var machine = new HostnameMachine();
        await using var store = Store.Open(Options(dir.Path, time), machine);
        store.Start();
        await SetMany(store, machine, 1, 5);
        for (var i = 0; i < 10; i++)
        {
            store.TriggerSave();
        }

        Assert.Equal(0, store.Statistics.Saves);
        time.Advance(TimeSpan.FromSeconds(5));
        WaitUntil(() => store.Statistics.Saves == 1, "the coalesced save");
        Assert.Equal(5UL, store.Statistics.LastSnapshotSequence);

        time.Advance(TimeSpan.FromSeconds(5));
        await store.TriggerSnapshotAsync(Ct);
        Assert.Equal(2, store.Statistics.Saves);
        time.Advance(TimeSpan.FromSeconds(5));
        time.Advance(TimeSpan.FromSeconds(5));
        await store.TriggerSnapshotAsync(Ct);
        Assert.Equal(3, store.Statistics.Saves);
        Assert.Equal(0, store.Statistics.UrgentSaves);
    }

    [Fact]
    public async Task SaveLoop_FailedSave_IsCountedAndRetriedOnNextTick()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider();
        var machine = new HostnameMachine();
        var failures = new List<Exception>();
        await using var store = Store.Open(Options(dir.Path, time, failed: failures.Add), machine);
        machine.FailCaptures = 1;
        store.Start();
        await SetMany(store, machine, 1, 3);
        store.TriggerSave();

        time.Advance(TimeSpan.FromSeconds(5));
        WaitUntil(() => store.Statistics.SaveFailures == 1, "the failed save");
        Assert.Equal(0, store.Statistics.Saves);
        Assert.Contains("injected", Assert.Single(failures).Message, StringComparison.Ordinal);

        time.Advance(TimeSpan.FromSeconds(5));
        WaitUntil(() => store.Statistics.Saves == 1, "the retried save");
        Assert.Equal(3UL, store.Statistics.LastSnapshotSequence);
    }

    [Fact]
    public async Task PushLoop_PushesOncePerTickWhenChanged()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider();
        var machine = new HostnameMachine();
        var pushes = 0;
        await using var store = Store.Open(Options(dir.Path, time, push: _ => { Interlocked.Increment(ref pushes); return ValueTask.CompletedTask; }), machine);
        store.Start();

        time.Advance(TimeSpan.FromSeconds(1));
        await SetMany(store, machine, 1, 2);
        store.TriggerSave();
        store.TriggerSave();
        time.Advance(TimeSpan.FromSeconds(1));
        WaitUntil(() => store.Statistics.Pushes == 1, "the push");
        time.Advance(TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(1));
        await SetMany(store, machine, 3, 1);
        store.TriggerSave();
        time.Advance(TimeSpan.FromSeconds(1));
        WaitUntil(() => store.Statistics.Pushes == 2, "the second push");
        Assert.Equal(2, Volatile.Read(ref pushes));
    }

    [Fact]
    public async Task TriggerSave_PastEntryThreshold_SnapshotsWithoutWaitingForTheTick()
    {
        using var dir = new TempDirectory();
        var machine = new HostnameMachine();
        await using var store = Store.Open(Options(dir.Path, snapshotAfterEntries: 10), machine);
        store.Start();
        await SetMany(store, machine, 1, 10);
        store.TriggerSave();
        WaitUntil(() => store.Statistics.Saves == 1, "the threshold snapshot");
        Assert.Equal(10UL, store.Statistics.LastSnapshotSequence);
    }

    [Fact]
    public async Task TriggerSave_PastLogByteThreshold_SnapshotsOnce_NotAgainForThePreviousGenerationKept()
    {
        using var dir = new TempDirectory();
        var machine = new HostnameMachine();
        await using var store = Store.Open(Options(dir.Path, snapshotAfterLogBytes: 4096), machine);
        store.Start();
        var next = await LogAtLeast(store, machine, 1, 4096);
        Assert.True(store.UrgentSaveDue);
        store.TriggerSave();
        WaitUntil(() => store.Statistics.Saves == 1, "the threshold snapshot");
        Assert.Equal(1, store.Statistics.UrgentSaves);

        // The log keeps the segments since the previous generation, over the threshold still; only what is logged
        // after the capture counts toward the next urgent save. Counting the whole log saved again and again.
        Assert.True(store.Log.Size >= 4096, $"log of {store.Log.Size} bytes");
        Assert.False(store.UrgentSaveDue);
        next = await LogAtLeast(store, machine, next, 2048);
        Assert.False(store.UrgentSaveDue);
        _ = await LogAtLeast(store, machine, next, 2048);
        Assert.True(store.UrgentSaveDue);
        store.TriggerSave();
        WaitUntil(() => store.Statistics.Saves == 2, "the second threshold snapshot");
        Assert.Equal(2, store.Statistics.UrgentSaves);
    }

    [Fact]
    public async Task TriggerSave_WritesWhileASnapshotIsWritten_CountFromItsCapture()
    {
        using var dir = new TempDirectory();
        var machine = new HostnameMachine();
        await Store.Open(Options(dir.Path), new HostnameMachine()).DisposeAsync();
        using var files = new HeldFileSystem();
        await using var store = Store.Open(Options(dir.Path, snapshotAfterLogBytes: 4096, snapshotFiles: files), machine);
        store.Start();
        var next = await LogAtLeast(store, machine, 1, 4096);
        store.TriggerSave();
        Assert.True(files.Entered.Wait(Bound, Ct), "the save did not start");

        // While the captured state is written, what is logged counts from the capture, not from the snapshot before
        // it: these few records ask for no second save to follow right behind this one.
        _ = await LogAtLeast(store, machine, next, 1024);
        Assert.False(store.UrgentSaveDue);
        files.Release.Set();
        WaitUntil(() => store.Statistics.Saves == 1, "the snapshot");
    }

    /// <summary>The real snapshot file system, holding the first temporary file's creation until released.</summary>
    private sealed class HeldFileSystem : Registry.Persistence.Snapshots.Storage.ISnapshotFileSystem, IDisposable
    {
        private readonly Registry.Persistence.Snapshots.Storage.PosixSnapshotFileSystem _real = Registry.Persistence.Snapshots.Storage.PosixSnapshotFileSystem.Instance;

        public ManualResetEventSlim Entered { get; } = new();

        public ManualResetEventSlim Release { get; } = new();

        public bool Exists(string path) => _real.Exists(path);

        public Registry.Persistence.Snapshots.Storage.ISnapshotFile CreateTemp(string path)
        {
            Entered.Set();
            Assert.True(Release.Wait(Bound), "the test did not release the save");
            return _real.CreateTemp(path);
        }

        public void Rename(string source, string destination) => _real.Rename(source, destination);

        public void SyncDirectory(string directory) => _real.SyncDirectory(directory);

        public void Delete(string path) => _real.Delete(path);

        public void Dispose()
        {
            Release.Set();
            Entered.Dispose();
            Release.Dispose();
        }
    }

    [Fact]
    public async Task TriggerSave_ASaveThatFails_LeavesTheGrowthCounted()
    {
        using var dir = new TempDirectory();
        var machine = new HostnameMachine();
        var failures = new List<Exception>();

        // Made and closed first: the reopened store writes no snapshot while it opens. Then the first snapshot file
        // operation fails (an I/O error), once.
        await Store.Open(Options(dir.Path), new HostnameMachine()).DisposeAsync();
        var files = new Snapshots.FaultyFileSystem(failAt: 1, Snapshots.FaultKind.IoError);
        await using var store = Store.Open(Options(dir.Path, failed: failures.Add, snapshotAfterLogBytes: 4096, snapshotFiles: files), machine);
        store.Start();
        _ = await LogAtLeast(store, machine, 1, 4096);
        store.TriggerSave();
        WaitUntil(() => store.Statistics.SaveFailures == 1, "the failed save");

        // Nothing was saved, so the next change asks for a save again, without waiting for the tick.
        Assert.Equal(0, store.Statistics.Saves);
        Assert.True(store.UrgentSaveDue);
        _ = await LogAtLeast(store, machine, 10_000, 1);
        store.TriggerSave();
        WaitUntil(() => store.Statistics.Saves == 1, "the retried save");
    }

    [Fact]
    public async Task Snapshot_RacingAppends_CrashCopyLosesNoAcknowledgedMutation()
    {
        using var dir = new TempDirectory();
        var machine = new HostnameMachine();
        var store = Store.Open(Options(dir.Path), machine);
        var acknowledged = new System.Collections.Concurrent.ConcurrentDictionary<uint, string>();
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var node = (uint)((w * 100_000) + (i % 500));
                var name = $"w{w}-{i}";
                await machine.Set(store.Log, node, name).Acknowledged;
                acknowledged[node] = name;
            }
        }, Ct)).ToList();

        for (var i = 0; i < 6; i++)
        {
            // Each snapshot must race fresh appends, otherwise the rotation has nothing to close and compaction nothing to delete.
            var sequence = store.Log.AcknowledgedSequence;
            WaitUntil(() => store.Log.AcknowledgedSequence >= sequence + 20, "appends racing the snapshot");
            await store.TriggerSnapshotAsync(Ct);
        }

        // Crash: copy the files as they are while writers continue, using only what was acknowledged before.
        var before = new Dictionary<uint, string>(acknowledged);
        var copy = dir.Combine("crash");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(dir.Path).Where(f => !f.EndsWith("LOCK", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        WalTestKit.CopyDirectory(dir.Combine("wal"), Path.Combine(copy, "wal"));
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        await store.DisposeAsync();

        var recovered = new HostnameMachine();
        await using var reopened = Store.Open(Options(copy), recovered);
        var names = recovered.Names;
        foreach (var (node, _) in before)
        {
            Assert.True(names.ContainsKey(node), $"acknowledged mutation of node {node} lost");
        }

        Assert.True(store.Statistics.SegmentsDeleted > 0, "compaction deleted covered segments");
    }

    [Fact]
    public async Task Open_CurrentSnapshotCorrupt_FallsBackToPreviousGenerationPlusLog()
    {
        using var dir = new TempDirectory();
        var machine = new HostnameMachine();
        await using (var store = Store.Open(Options(dir.Path), machine))
        {
            await SetMany(store, machine, 1, 10);
            await store.TriggerSnapshotAsync(Ct);
            await SetMany(store, machine, 11, 10);
            await store.TriggerSnapshotAsync(Ct);
            await SetMany(store, machine, 21, 5);
        }

        var current = dir.Combine(DataLayout.SnapshotFileName);
        var bytes = File.ReadAllBytes(current);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(current, bytes);

        var recovered = new HostnameMachine();
        await using var reopened = Store.Open(Options(dir.Path), recovered);
        Assert.Equal(1, reopened.Recovery.Snapshot.Generation);
        Assert.NotEmpty(reopened.Recovery.Snapshot.Rejected);
        Assert.Equal(machine.Names, recovered.Names);
    }

    [Fact]
    public async Task Open_EverySnapshotGenerationCorrupt_RefusesAndChangesNothing()
    {
        using var dir = new TempDirectory();
        var machine = new HostnameMachine();
        await using (var store = Store.Open(Options(dir.Path), machine))
        {
            await SetMany(store, machine, 1, 3);
        }

        File.WriteAllText(dir.Combine(DataLayout.SnapshotFileName), "{\"version\":1,\"nodes\":");
        File.WriteAllText(dir.Combine(DataLayout.SnapshotFileName + ".1"), "{\"version\":1,\"nodes\":{\"1\":null}}");
        var before = Directory.GetFiles(dir.Path, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith("LOCK", StringComparison.Ordinal)).Select(f => (f, File.ReadAllBytes(f).Length)).ToList();
        Assert.ThrowsAny<PersistenceException>(() => Store.Open(Options(dir.Path), new HostnameMachine()));
        var after = Directory.GetFiles(dir.Path, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith("LOCK", StringComparison.Ordinal)).Select(f => (f, File.ReadAllBytes(f).Length)).ToList();
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Open_LogMissingEntriesAfterSnapshot_Refuses()
    {
        using var dir = new TempDirectory();
        var machine = new HostnameMachine();
        await using (var store = Store.Open(Options(dir.Path), machine))
        {
            await SetMany(store, machine, 1, 3);
            await store.TriggerSnapshotAsync(Ct);
            await SetMany(store, machine, 4, 3);
            store.Log.Rotate();
            await SetMany(store, machine, 7, 3);
        }

        // Lose the segment holding entries 4..6 (and the snapshot's final save made on close).
        File.Delete(dir.Combine(DataLayout.SnapshotFileName));
        File.Move(dir.Combine(DataLayout.SnapshotFileName + ".1"), dir.Combine(DataLayout.SnapshotFileName));
        File.Delete(Path.Combine(dir.Combine("wal"), WalSegment.FileName(4)));
        var ex = Assert.ThrowsAny<PersistenceException>(() => Store.Open(Options(dir.Path), new HostnameMachine()));
        Assert.Contains("missing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_SnapshotNewerThanLog_ContinuesNumberingAfterSnapshot()
    {
        using var dir = new TempDirectory();
        var machine = new HostnameMachine();
        await using (var store = Store.Open(Options(dir.Path), machine))
        {
            await SetMany(store, machine, 1, 7);
        }

        Directory.Delete(dir.Combine("wal"), recursive: true);
        var recovered = new HostnameMachine();
        await using var reopened = Store.Open(Options(dir.Path), recovered);
        Assert.Equal(7UL, reopened.Recovery.SnapshotSequence);
        Assert.Equal(8UL, (await recovered.Set(reopened.Log, 99, "after").Acknowledged.ContinueWith(_ => reopened.Log.AppendedSequence, Ct)));
    }

    [Fact]
    public async Task Open_GoDataDirectory_RecoversWithGoSemanticsAndContinuesInOurLayout()
    {
        using var dir = new TempDirectory();
        File.Copy(Fixtures.Go("snapshot-small.json"), dir.Combine(DataLayout.GoSnapshotFileName));
        using (var writer = new LegacyWalWriter(dir.Combine(DataLayout.GoSnapshotFileName + ".wal")))
        {
            writer.Append(new DeltaEntry(0, DeltaType.Hostname, 1, DeltaPayload.Encode(new HostnameDelta { NodeId = 1, Hostname = "renamed" })));
        }

        var machine = new HostnameMachine();
        await using (var store = Store.Open(Options(dir.Path), machine))
        {
            Assert.Equal("go", store.Recovery.Layout);
            Assert.Equal(1, store.Recovery.Replayed);
            Assert.Equal("renamed", machine.Names[1]);
            Assert.Equal(5, machine.Names.Count);
            Assert.True(File.Exists(dir.Combine(DataLayout.SnapshotFileName)));
            await machine.Set(store.Log, 2, "after-migration").Acknowledged;
        }

        var reopened = new HostnameMachine();
        await using var again = Store.Open(Options(dir.Path), reopened);
        Assert.Equal("pilot", again.Recovery.Layout);
        Assert.Equal("renamed", reopened.Names[1]);
        Assert.Equal("after-migration", reopened.Names[2]);
        Assert.Equal(File.ReadAllBytes(Fixtures.Go("snapshot-small.json")), File.ReadAllBytes(dir.Combine(DataLayout.GoSnapshotFileName)));
    }

    [Fact]
    public async Task Inspect_RunningDirectory_ChangesNoFileAndReportsTornTail()
    {
        using var dir = new TempDirectory();
        var machine = new HostnameMachine();
        await using (var store = Store.Open(Options(dir.Path), machine))
        {
            await SetMany(store, machine, 1, 5);
            await store.TriggerSnapshotAsync(Ct);
            await SetMany(store, machine, 6, 5);
            var segment = store.Log.Segments[^1].Path;
            using (var stream = new FileStream(segment, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
            {
                stream.Position = store.Log.Segments[^1].Length;
                stream.Write([1, 2, 3, 4, 5, 6, 7]);
            }

            var inspected = new HostnameMachine();
            var report = Store.Inspect(dir.Path, inspected, Ct);
            Assert.Equal(5UL, report.SnapshotSequence);
            Assert.Equal(5, report.Replayed);
            Assert.True(report.BytesCut > 0);
            Assert.Equal(machine.Names, inspected.Names);
            Assert.Equal(WalProblemKind.TornTail, report.LogProblems.Single().Kind);
        }
    }

    [Fact]
    public async Task Open_SecondStoreOnSameDirectory_IsRefused()
    {
        using var dir = new TempDirectory();
        await using var store = Store.Open(Options(dir.Path), new HostnameMachine());
        Assert.Throws<Registry.Persistence.IO.DirectoryLockedException>(() => Store.Open(Options(dir.Path), new HostnameMachine()));
        store.IsStandby = true;
        store.ReplicationToken = "secret";
        Assert.True(store.IsStandby);
        Assert.Equal("secret", store.ReplicationToken);
    }
}

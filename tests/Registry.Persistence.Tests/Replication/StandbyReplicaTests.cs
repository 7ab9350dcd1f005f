using Registry.Core;
using Registry.Core.Lifecycle;
using Registry.Persistence.Lifecycle;
using Registry.Persistence.Replication;
using Registry.Persistence.Tests.IO;

namespace Registry.Persistence.Tests.Replication;

/// <summary>A primary and a standby in one process, joined by the feed instead of a socket: the standby converges, survives a restart and resyncs after compaction.</summary>
public class StandbyReplicaTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// One fixed clock for every registry here: each registry creates its backbone network at "now", which no record
    /// carries, so a primary and a standby built from records alone (no snapshot) only agree when their clocks do.
    /// </summary>
    private static readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider Clock = new(new DateTimeOffset(2026, 11, 27, 3, 0, 0, TimeSpan.Zero));

    private sealed class Node : IAsyncDisposable
    {
        private Node(NodeRegistry registry, Store store)
        {
            Registry = registry;
            Store = store;
        }

        public NodeRegistry Registry { get; }

        public Store Store { get; }

        public static Node Open(string dir)
        {
            var log = new WalDeltaLog();
            var registry = new NodeRegistry(log, Clock);
            var store = Store.Open(new StoreOptions { DataDirectory = dir }, new RegistryStateMachine(registry));
            log.Attach(store.Log);
            return new Node(registry, store);
        }

        public async Task MutateAsync(int from, int count)
        {
            for (var i = from; i < from + count; i++)
            {
                var key = new byte[32];
                BitConverter.TryWriteBytes(key, i);
                var registered = Registry.Register(new RegisterRequest { PublicKey = Convert.ToBase64String(key), Hostname = $"node-{i}" });
                await Store.Log.WhenAcknowledged(registered.Sequence);
                await Store.Log.WhenAcknowledged(Registry.SetTags(registered.NodeId, [$"t{i % 3}"]).Sequence);
            }
        }

        public ValueTask DisposeAsync() => Store.DisposeAsync();
    }

    /// <summary>What the standby connection does, minus the socket: snapshot first when fresh or when the log is gone, then chunks.</summary>
    private static async Task FollowAsync(Node primary, DeltaFeed feed, Node standby, CancellationToken cancellationToken)
    {
        var replica = new StandbyReplica(standby.Store, new RegistryStateMachine(standby.Registry));
        DeltaSubscription? subscription = null;
        if (replica.NextSequence > 1)
        {
            try
            {
                subscription = feed.Subscribe(replica.NextSequence);
            }
            catch (SnapshotRequiredException)
            {
            }
        }

        if (subscription is null)
        {
            var (snapshot, sequence) = primary.Registry.CaptureSnapshot();
            await primary.Store.Log.WhenAcknowledged(sequence);
            snapshot.WalSeq = sequence;
            await replica.InstallSnapshotAsync(snapshot, cancellationToken);
            subscription = feed.Subscribe(replica.NextSequence);
        }

        using (subscription)
        {
            try
            {
                await foreach (var chunk in subscription.ReadAllAsync(cancellationToken))
                {
                    await replica.ApplyChunkAsync(chunk, cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
        }
    }

    /// <summary>Streams the primary's records into <paramref name="standby"/> by deltas alone (no snapshot), with the history check, until it holds <paramref name="through"/>.</summary>
    private static async Task CopyAsync(DeltaFeed feed, Node standby, ulong through)
    {
        var replica = new StandbyReplica(standby.Store, new RegistryStateMachine(standby.Registry));
        using var subscription = feed.Subscribe(replica.NextSequence, replica.PreviousChecksum);
        while (standby.Store.Log.AppendedSequence < through)
        {
            await replica.ApplyChunkAsync(await subscription.ReadAsync(Ct), Ct);
        }
    }

    /// <summary>A primary with records 1..10 and a standby that copied them as records (no snapshot), sharing that history.</summary>
    private sealed class SharedHistory(TempDirectory dir, Node primary, DeltaFeed feed, Node standby) : IAsyncDisposable
    {
        public Node Primary => primary;

        public DeltaFeed Feed => feed;

        public Node Standby => standby;

        public static async Task<SharedHistory> ThroughTenAsync(long feedMemory)
        {
            var dir = new TempDirectory();
            var primary = Node.Open(dir.Combine("primary"));
            var feed = new DeltaFeed(primary.Store.Log, feedMemory);
            await primary.MutateAsync(1, 5);
            var standby = Node.Open(dir.Combine("standby"));
            await CopyAsync(feed, standby, 10);
            return new SharedHistory(dir, primary, feed, standby);
        }

        public async ValueTask DisposeAsync()
        {
            feed.Dispose();
            await standby.DisposeAsync();
            await primary.DisposeAsync();
            dir.Dispose();
        }
    }

    private static uint? LastChecksum(Node node) => new StandbyReplica(node.Store, new RegistryStateMachine(node.Registry)).PreviousChecksum;

    private static void WaitConverged(Node primary, Node standby)
    {
        var target = primary.Store.Log.AcknowledgedSequence;
        Assert.True(SpinWait.SpinUntil(() => standby.Registry.LastAppliedSequence >= target, TimeSpan.FromSeconds(20)), $"standby stuck at {standby.Registry.LastAppliedSequence} of {target}");
        Assert.Equal(primary.Registry.ToCanonicalJson(), standby.Registry.ToCanonicalJson());
    }

    /// <summary>Delegates to the registry's machine and reports each restore after the store is open.</summary>
    private sealed class WatchedMachine(IStateMachine inner) : IStateMachine
    {
        public Action? OnRestore { get; set; }

        public void Restore(Persistence.Snapshots.Model.Snapshot? snapshot, DataLayoutKind layout)
        {
            OnRestore?.Invoke();
            inner.Restore(snapshot, layout);
        }

        public void Apply(in Persistence.Deltas.DeltaEntry entry) => inner.Apply(entry);

        public void ApplyLegacy(in Persistence.Deltas.DeltaEntry entry) => inner.ApplyLegacy(entry);

        public void RecoveryCompleted(bool snapshotLoaded, DataLayoutKind layout) => inner.RecoveryCompleted(snapshotLoaded, layout);

        public (Persistence.Snapshots.Model.Snapshot Snapshot, ulong Sequence) Capture() => inner.Capture();
    }

    [Fact]
    public async Task ApplyChunk_WhileAnEarlierChunkSyncs_AppliesAtOnceAndTheRestShareOneSync()
    {
        // Bounded: a held sync that is never released would otherwise hang the whole run.
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        bounded.CancelAfter(TimeSpan.FromSeconds(30));
        var ct = bounded.Token;
        using var dir = new TempDirectory();
        await using var primary = Node.Open(dir.Combine("primary"));
        using var feed = new DeltaFeed(primary.Store.Log);
        using var subscription = feed.Subscribe(1);
        await primary.MutateAsync(0, 3); // every mutation waits for its own sync: six batches, six chunks
        var storage = new FaultyStorage();
        var log = new WalDeltaLog();
        var registry = new NodeRegistry(log, Clock);
        var machine = new RegistryStateMachine(registry);
        await using var standby = Store.Open(new StoreOptions { DataDirectory = dir.Combine("standby"), LogStorage = storage, SaveInterval = TimeSpan.FromHours(1) }, machine);
        log.Attach(standby.Log);
        var replica = new StandbyReplica(standby, machine);
        using var gate = new SemaphoreSlim(0);
        storage.SyncGate = gate;
        var syncsBefore = storage.Syncs;
        var acknowledgements = new List<Task>();
        try
        {
            acknowledgements.Add(replica.ApplyChunk(await subscription.ReadAsync(ct)));
            await storage.SyncEntered.Task.WaitAsync(ct);
            while (standby.Log.AppendedSequence < primary.Store.Log.AppendedSequence)
            {
                acknowledgements.Add(replica.ApplyChunk(await subscription.ReadAsync(ct)));
            }

            // Everything is applied while the first chunk's sync is still held, and none of it counts as durable yet.
            Assert.True(acknowledgements.Count >= 2, $"{acknowledgements.Count} chunks");
            Assert.DoesNotContain(acknowledgements, a => a.IsCompleted);
            Assert.Equal(primary.Registry.ToCanonicalJson(), registry.ToCanonicalJson());
            Assert.Equal(0UL, standby.Log.AcknowledgedSequence);
        }
        finally
        {
            // Never leave the flusher held: disposing the store waits for it.
            storage.SyncGate = null;
            gate.Release();
        }

        await Task.WhenAll(acknowledgements).WaitAsync(ct);
        Assert.Equal(standby.Log.AppendedSequence, standby.Log.AcknowledgedSequence);
        Assert.Equal(2, storage.Syncs - syncsBefore);
    }

    [Fact]
    public async Task InstallSnapshot_ReplacesTheStateOnlyAfterTheSnapshotIsSavedAndTheLogRestarted()
    {
        using var dir = new TempDirectory();
        await using var primary = Node.Open(dir.Combine("primary"));
        await primary.MutateAsync(0, 4);
        var (snapshot, sequence) = primary.Registry.CaptureSnapshot();
        snapshot.WalSeq = sequence;
        var log = new WalDeltaLog();
        var registry = new NodeRegistry(log, Clock);
        var machine = new WatchedMachine(new RegistryStateMachine(registry));
        await using var standby = Store.Open(new StoreOptions { DataDirectory = dir.Combine("standby") }, machine);
        log.Attach(standby.Log);
        (ulong Appended, ulong StateSequence, bool SnapshotOnDisk)? seenAtRestore = null;
        machine.OnRestore = () => seenAtRestore = (
            standby.Log.AppendedSequence,
            registry.LastAppliedSequence,
            File.ReadAllText(Path.Combine(dir.Combine("standby"), "snapshot.json")).Contains($"\"wal_seq\":{sequence}", StringComparison.Ordinal));

        await standby.InstallSnapshotAsync(snapshot, Ct);

        // A read served while the snapshot was being saved saw the old state, which the log still covered.
        Assert.Equal((sequence, 0UL, true), seenAtRestore);
        Assert.Equal(primary.Registry.ToCanonicalJson(), registry.ToCanonicalJson());
        Assert.Equal(sequence, registry.LastAppliedSequence);
    }

    [Fact]
    public async Task InstallSnapshot_StandbyAheadOfThePrimary_SetsItsExtraRecordsAsideInsteadOfDeletingThem()
    {
        using var dir = new TempDirectory();
        await using var primary = Node.Open(dir.Combine("primary"));
        await primary.MutateAsync(0, 2);
        var (snapshot, sequence) = primary.Registry.CaptureSnapshot();
        snapshot.WalSeq = sequence;
        var standbyDir = dir.Combine("standby");
        ulong standbyLast;
        await using (var standby = Node.Open(standbyDir))
        {
            // Its own writes, beyond what the primary's snapshot covers: an old primary after a promotion.
            await standby.MutateAsync(100, 4);
            standbyLast = standby.Store.Log.AppendedSequence;
            Assert.True(standbyLast > sequence);

            var setAside = await standby.Store.InstallSnapshotAsync(snapshot, Ct);

            var side = Assert.Single(setAside);
            Assert.Contains(".discarded-0", side, StringComparison.Ordinal);
            Assert.True(new FileInfo(side).Length > 0);
            Assert.Equal(sequence, standby.Store.Log.AppendedSequence);
            Assert.Equal(primary.Registry.ToCanonicalJson(), standby.Registry.ToCanonicalJson());
        }

        // The side file is out of recovery's way, and still holds the standby's own records, readable with the log tools.
        await using (var reopened = Node.Open(standbyDir))
        {
            Assert.Equal(primary.Registry.ToCanonicalJson(), reopened.Registry.ToCanonicalJson());
        }

        var sideFile = Assert.Single(Directory.GetFiles(Path.Combine(standbyDir, "wal"), "*.discarded-*"));
        var records = new List<ulong>();
        Persistence.Wal.WalReader.Read(sideFile, (in Persistence.Wal.WalRecord r) => records.Add(r.Entry.SeqNo), cancellationToken: Ct);

        Assert.Equal(standbyLast, records[^1]);
    }

    [Fact]
    public async Task InstallSnapshot_StandbyBehind_SetsNothingAside()
    {
        using var dir = new TempDirectory();
        await using var primary = Node.Open(dir.Combine("primary"));
        await primary.MutateAsync(0, 4);
        var (snapshot, sequence) = primary.Registry.CaptureSnapshot();
        snapshot.WalSeq = sequence;
        await using var standby = Node.Open(dir.Combine("standby"));
        await standby.MutateAsync(100, 1);

        var setAside = await standby.Store.InstallSnapshotAsync(snapshot, Ct);

        Assert.Empty(setAside);
        Assert.Empty(Directory.GetFiles(Path.Combine(dir.Combine("standby"), "wal"), "*.discarded-*"));
    }

    [Fact]
    public async Task Standby_FollowsRestartsAndResyncs_StateEqualsPrimary()
    {
        using var dir = new TempDirectory();
        await using var primary = Node.Open(dir.Combine("primary"));
        using var feed = new DeltaFeed(primary.Store.Log);
        await primary.MutateAsync(1, 20);

        // First contact: snapshot, then the stream, while the primary keeps writing.
        var standby = Node.Open(dir.Combine("standby"));
        using (var follow = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            var following = FollowAsync(primary, feed, standby, follow.Token);
            await primary.MutateAsync(21, 40);
            WaitConverged(primary, standby);
            await follow.CancelAsync();
            await following;
        }

        // Restart: the standby recovers from its own files and resumes from its last sequence, without a snapshot.
        var resumeFrom = standby.Store.Log.AppendedSequence + 1;
        await standby.DisposeAsync();
        await primary.MutateAsync(61, 10);
        standby = Node.Open(dir.Combine("standby"));
        Assert.Equal(resumeFrom - 1, standby.Store.Recovery.LastSequence);
        using (var follow = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            var following = FollowAsync(primary, feed, standby, follow.Token);
            WaitConverged(primary, standby);
            await follow.CancelAsync();
            await following;
        }

        // Fall far behind while the primary compacts its log away: the standby is resynced from a snapshot.
        await standby.DisposeAsync();
        await primary.MutateAsync(71, 10);
        await primary.Store.TriggerSnapshotAsync(Ct);
        await primary.MutateAsync(81, 10);
        await primary.Store.TriggerSnapshotAsync(Ct);
        Assert.True(primary.Store.Log.FirstSequence > resumeFrom, "the primary's log should no longer hold what the standby needs");
        standby = Node.Open(dir.Combine("standby"));
        await using (standby)
        {
            using var follow = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            var following = FollowAsync(primary, feed, standby, follow.Token);
            await primary.MutateAsync(91, 5);
            WaitConverged(primary, standby);
            await follow.CancelAsync();
            await following;
        }

        // And the resynced standby's own files recover to the same state.
        await using var reopened = Node.Open(dir.Combine("standby"));
        Assert.Equal(primary.Registry.ToCanonicalJson(), reopened.Registry.ToCanonicalJson());
    }

    [Theory]
    [InlineData(32L * 1024 * 1024)]
    [InlineData(0L)]
    public async Task Resume_HistoriesMatch_StreamsTheRest(long feedMemory)
    {
        await using var pair = await SharedHistory.ThroughTenAsync(feedMemory);
        var (primary, feed, standby) = (pair.Primary, pair.Feed, pair.Standby);

        // The primary's record 10 is in memory with the default feed, read back from its segment with an empty one.
        await primary.MutateAsync(6, 3);
        Assert.NotNull(LastChecksum(standby));
        await CopyAsync(feed, standby, primary.Store.Log.AcknowledgedSequence);

        Assert.Equal(primary.Registry.ToCanonicalJson(), standby.Registry.ToCanonicalJson());
    }

    [Theory]
    [InlineData(32L * 1024 * 1024)]
    [InlineData(0L)]
    public async Task Resume_HistoriesDiverged_RefusesAndNamesTheSequence(long feedMemory)
    {
        await using var pair = await SharedHistory.ThroughTenAsync(feedMemory);
        var (primary, feed, standby) = (pair.Primary, pair.Feed, pair.Standby);

        // Split brain: both take their own writes after sequence 10; the standby ends at 14, the primary at 16.
        await standby.MutateAsync(100, 2);
        await primary.MutateAsync(200, 3);
        var standbyLog = standby.Store.Log.AppendedSequence;

        var refused = await Assert.ThrowsAsync<HistoryDivergedException>(() => CopyAsync(feed, standby, primary.Store.Log.AcknowledgedSequence));

        Assert.Equal(14UL, refused.Sequence);
        Assert.Equal("replication history diverged at sequence 14", refused.Message);
        Assert.Equal(standbyLog, standby.Store.Log.AppendedSequence);
        Assert.Equal(0, feed.Subscribers);
    }

    [Fact]
    public async Task Resume_PreviousRecordCompactedAway_NeedsASnapshotInsteadOfAnUncheckedStream()
    {
        await using var pair = await SharedHistory.ThroughTenAsync(feedMemory: 0);
        var (primary, feed, standby) = (pair.Primary, pair.Feed, pair.Standby);

        // What compaction does, pinned to sequence 10: the log then starts exactly at the standby's next record.
        primary.Store.Log.Rotate();
        await primary.MutateAsync(6, 3);
        primary.Store.Log.DeleteSegmentsThrough(10);
        Assert.Equal(11UL, primary.Store.Log.FirstSequence);
        var checksum = LastChecksum(standby);
        Assert.NotNull(checksum);

        Assert.Throws<SnapshotRequiredException>(() => feed.Subscribe(11, checksum));
        using var withoutCheck = feed.Subscribe(11);
        Assert.Equal(11UL, (await withoutCheck.ReadAsync(Ct)).FirstSeq);
    }
}

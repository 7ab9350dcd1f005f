using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Registry.Core;
using Registry.Core.Lifecycle;
using Registry.Persistence.Lifecycle;
using Registry.Persistence.Replication;
using Registry.Persistence.Snapshots;
using Registry.Persistence.Snapshots.Model;
using Registry.Server.Dispatch;
using Registry.Server.Observability;
using Registry.Server.Replication;

namespace Registry.Server.Tests;

/// <summary>A primary and a standby over a real loopback connection: snapshot, deltas, restart and resume, and a Go-style subscriber.</summary>
public sealed class DeltaReplicationTests
{
    private const string Token = "replication-secret";

    private sealed class Replica : IAsyncDisposable
    {
        private Replica(string dir)
        {
            var log = new WalDeltaLog();
            Registry = new NodeRegistry(log);
            Store = Store.Open(new StoreOptions { DataDirectory = dir }, new RegistryStateMachine(Registry));
            log.Attach(Store.Log);
        }

        public NodeRegistry Registry { get; }

        public Store Store { get; }

        public static Replica Open(string dir) => new(dir);

        public async Task MutateAsync(int from, int count)
        {
            for (var i = from; i < from + count; i++)
            {
                var key = new byte[32];
                BitConverter.TryWriteBytes(key, i);
                var registered = Registry.Register(new RegisterRequest { PublicKey = Convert.ToBase64String(key), Hostname = $"host-{i}" });
                await Store.Log.WhenAcknowledged(registered.Sequence);
                await Store.Log.WhenAcknowledged(Registry.SetTags(registered.NodeId, [$"tag{i % 4}"]).Sequence);
            }
        }

        /// <summary>Registers <paramref name="count"/> nodes without waiting for each: a registry large enough that its snapshot message spans megabytes.</summary>
        public async Task RegisterManyAsync(int count)
        {
            var last = 0UL;
            for (var i = 0; i < count; i++)
            {
                var key = new byte[32];
                BitConverter.TryWriteBytes(key, ~i);
                last = Registry.Register(new RegisterRequest { PublicKey = Convert.ToBase64String(key), Hostname = $"bulk-{i}" }).Sequence;
            }

            await Store.Log.WhenAcknowledged(last);
        }

        public async Task<Snapshot> CaptureAcknowledgedAsync(CancellationToken cancellationToken)
        {
            var (snapshot, sequence) = Registry.CaptureSnapshot();
            await Store.Log.WhenAcknowledged(sequence).WaitAsync(cancellationToken);
            snapshot.WalSeq = sequence;
            return snapshot;
        }

        public ValueTask DisposeAsync() => Store.DisposeAsync();
    }

    private static TestServer StartPrimary(Replica primary, DeltaFeed feed, TimeProvider time, TimelineKeeper? timeline = null, StandbyConfirmations? confirmations = null, Func<CancellationToken, Task<Snapshot>>? capture = null) =>
        TestServer.Start(
            replication: new DeltaReplicationSource(feed, capture ?? primary.CaptureAcknowledgedAsync, time, NullLogger<DeltaReplicationSource>.Instance, timeline, confirmations: confirmations),
            configure: o => o with { ReplicationToken = static () => Token });

    /// <summary>A primary of ten nodes whose snapshot for a subscriber waits for <see cref="ReleaseSnapshot"/>: a large registry, whose capture and transfer take a while after the stream has started.</summary>
    private sealed class HeldBackPrimary : IAsyncDisposable
    {
        private readonly TaskCompletionSource _snapshotMayGo = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private DeltaFeed? _feed;

        private HeldBackPrimary(Replica replica) => Replica = replica;

        public Replica Replica { get; }

        public TestServer Server { get; private set; } = null!;

        /// <param name="directory">The primary's data directory.</param>
        /// <param name="time">The primary's clock (its heartbeats); the system's by default.</param>
        public static async Task<HeldBackPrimary> StartAsync(string directory, TimeProvider? time = null)
        {
            var held = new HeldBackPrimary(Replica.Open(directory));
            held._feed = new DeltaFeed(held.Replica.Store.Log);
            held.Server = StartPrimary(held.Replica, held._feed, time ?? TimeProvider.System, Keeper(directory), capture: held.CaptureWhenReleasedAsync);
            await held.Replica.MutateAsync(1, 10);
            return held;
        }

        public void ReleaseSnapshot() => _snapshotMayGo.SetResult();

        public async ValueTask DisposeAsync()
        {
            await Server.DisposeAsync();
            _feed?.Dispose();
            await Replica.DisposeAsync();
        }

        private async Task<Snapshot> CaptureWhenReleasedAsync(CancellationToken cancellationToken)
        {
            await _snapshotMayGo.Task.WaitAsync(cancellationToken);
            return await Replica.CaptureAcknowledgedAsync(cancellationToken);
        }
    }

    private static TimelineKeeper Keeper(string directory)
    {
        Directory.CreateDirectory(directory);
        return new TimelineKeeper(directory, Timeline.Load(directory));
    }

    private static void WaitConverged(Replica primary, Replica standby)
    {
        var target = primary.Store.Log.AcknowledgedSequence;
        Assert.True(SpinWait.SpinUntil(() => standby.Registry.LastAppliedSequence >= target, TimeSpan.FromSeconds(20)), $"standby at {standby.Registry.LastAppliedSequence} of {target}");
        Assert.Equal(primary.Registry.ToCanonicalJson(), standby.Registry.ToCanonicalJson());
    }

    [Fact]
    public async Task Standby_OverLoopback_ConvergesThenResumesAfterRestartWithoutSnapshot()
    {
        using var dir = new global::Registry.Persistence.Tests.TempDirectory();
        await using var primary = Replica.Open(dir.Combine("primary"));
        using var feed = new DeltaFeed(primary.Store.Log);
        await using var server = StartPrimary(primary, feed, TimeProvider.System);
        await primary.MutateAsync(1, 15);

        var standby = Replica.Open(dir.Combine("standby"));
        var follower = new StandbyFollower(server.EndPoint, Token, new StandbyReplica(standby.Store, new RegistryStateMachine(standby.Registry)), TimeProvider.System, NullLogger<StandbyFollower>.Instance);
        using (var run = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken))
        {
            var following = follower.RunAsync(run.Token);
            WaitConverged(primary, standby);

            // The state is visible as soon as it is restored; the counter moves once the install is durable.
            Assert.True(SpinWait.SpinUntil(() => follower.SnapshotsInstalled == 1, TimeSpan.FromSeconds(10)), "the snapshot install did not complete");

            // Now live: everything after the snapshot arrives as deltas.
            await primary.MutateAsync(16, 30);
            WaitConverged(primary, standby);
            Assert.Equal(1, follower.SnapshotsInstalled);
            Assert.True(SpinWait.SpinUntil(() => follower.ChunksApplied > 0, TimeSpan.FromSeconds(10)), "no delta message was applied");
            Assert.True(SpinWait.SpinUntil(() => follower.LagSequences == 0, TimeSpan.FromSeconds(10)), $"lag {follower.LagSequences} after convergence");
            await run.CancelAsync();
            await following;
        }

        await standby.DisposeAsync();
        await primary.MutateAsync(46, 10);
        standby = Replica.Open(dir.Combine("standby"));
        await using (standby)
        {
            var resumed = new StandbyFollower(server.EndPoint, Token, new StandbyReplica(standby.Store, new RegistryStateMachine(standby.Registry)), TimeProvider.System, NullLogger<StandbyFollower>.Instance);
            using var run = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            var following = resumed.RunAsync(run.Token);
            WaitConverged(primary, standby);
            Assert.Equal(0, resumed.SnapshotsInstalled);
            Assert.True(SpinWait.SpinUntil(() => resumed.ChunksApplied > 0, TimeSpan.FromSeconds(10)), "the resumed standby applied no delta message");
            await run.CancelAsync();
            await following;
        }
    }

    [Fact]
    public async Task Standby_InContactWhileItsFirstSnapshotIsOnTheWay_IsNotCaughtUpUntilItHoldsThePrimarysPosition()
    {
        using var dir = new global::Registry.Persistence.Tests.TempDirectory();
        await using var held = await HeldBackPrimary.StartAsync(dir.Combine("primary"));
        var (primary, server) = (held.Replica, held.Server);
        var position = primary.Store.Log.AcknowledgedSequence;
        await using var standby = Replica.Open(dir.Combine("standby"));
        var follower = new StandbyFollower(server.EndPoint, Token, new StandbyReplica(standby.Store, new RegistryStateMachine(standby.Registry)), TimeProvider.System, NullLogger<StandbyFollower>.Instance, timeline: Keeper(dir.Combine("standby")));
        using var run = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var following = follower.RunAsync(run.Token);

        // The primary's timeline arrived (contact), the snapshot has not: the standby holds nothing and knows it.
        Assert.True(SpinWait.SpinUntil(() => follower.MessagesHandled >= 1, TimeSpan.FromSeconds(20)), "the primary's timeline was never handled");
        Assert.NotEqual(0, follower.LastContact);
        Assert.False(follower.CaughtUp);
        Assert.Equal(position, follower.LagSequences);
        var waiting = ReadinessReport.Evaluate(true, null, isStandby: true, TimeSpan.Zero, TimeSpan.FromSeconds(30), follower.CaughtUp, follower.LagSequences);
        Assert.False(waiting.IsReady);
        Assert.Equal($"standby catching up with the primary: {position} records behind", waiting.Reason);

        held.ReleaseSnapshot();
        Assert.True(SpinWait.SpinUntil(() => follower.CaughtUp, TimeSpan.FromSeconds(20)), "the standby never caught up");
        Assert.True(standby.Registry.LastAppliedSequence >= position);
        Assert.Equal(0UL, follower.LagSequences);
        Assert.True(ReadinessReport.Evaluate(true, null, isStandby: true, TimeSpan.Zero, TimeSpan.FromSeconds(30), follower.CaughtUp, follower.LagSequences).IsReady);

        // Every new connection catches up again: in contact is not enough.
        await run.CancelAsync();
        await following;
        await primary.MutateAsync(11, 5);
        var resumed = new StandbyFollower(server.EndPoint, Token, new StandbyReplica(standby.Store, new RegistryStateMachine(standby.Registry)), TimeProvider.System, NullLogger<StandbyFollower>.Instance, timeline: Keeper(dir.Combine("standby")));
        Assert.False(resumed.CaughtUp);
        using var again = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var resuming = resumed.RunAsync(again.Token);
        Assert.True(SpinWait.SpinUntil(() => resumed.CaughtUp, TimeSpan.FromSeconds(20)), "the resumed standby never caught up");
        Assert.True(standby.Registry.LastAppliedSequence >= primary.Store.Log.AcknowledgedSequence);
        await again.CancelAsync();
        await resuming;
    }

    [Fact]
    public async Task Standby_Behind_RunsFromTheOldestPositionItLacks_OnItsOwnClock()
    {
        using var dir = new global::Registry.Persistence.Tests.TempDirectory();

        // The primary's clock stands still, so it sends no heartbeat: the last word heard is the test's to choose.
        await using var held = await HeldBackPrimary.StartAsync(dir.Combine("primary"), new FakeTimeProvider());
        var (primary, server) = (held.Replica, held.Server);
        var clock = new FakeTimeProvider();
        await using var standby = Replica.Open(dir.Combine("standby"));
        var follower = new StandbyFollower(server.EndPoint, Token, new StandbyReplica(standby.Store, new RegistryStateMachine(standby.Registry)), clock, NullLogger<StandbyFollower>.Instance, timeline: Keeper(dir.Combine("standby")));

        // Never caught up: behind since it started, and still so once the primary has announced where it is.
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.FromSeconds(5), follower.Behind);
        using var run = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var following = follower.RunAsync(run.Token);
        Assert.True(SpinWait.SpinUntil(() => follower.MessagesHandled >= 1, TimeSpan.FromSeconds(20)), "the primary's timeline was never handled");
        Assert.False(follower.CaughtUp);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(TimeSpan.FromSeconds(7), follower.Behind);

        // Holding what was announced: zero, also while changes stream in and are taken.
        held.ReleaseSnapshot();
        Assert.True(SpinWait.SpinUntil(() => follower.CaughtUp, TimeSpan.FromSeconds(20)), "the standby never caught up");
        Assert.Equal(TimeSpan.Zero, follower.Behind);
        await primary.MutateAsync(11, 5);
        var target = primary.Store.Log.AcknowledgedSequence;
        Assert.True(SpinWait.SpinUntil(() => follower.LagSequences == 0 && standby.Registry.LastAppliedSequence >= target && follower.Behind == TimeSpan.Zero, TimeSpan.FromSeconds(20)), $"behind {follower.Behind}, lag {follower.LagSequences}");
        clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(TimeSpan.Zero, follower.Behind);

        // Disconnected: whatever the primary did since is missing here, counted from the last word heard (before the
        // 20 s above: the primary sends no heartbeat).
        await run.CancelAsync();
        await following;
        clock.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(TimeSpan.FromSeconds(23), follower.Behind);
    }

    /// <summary>A standby following a primary the test plays on a raw socket: the subscription is taken, then the test sends what it likes.</summary>
    private sealed class StandbyOfRawPrimary : IAsyncDisposable
    {
        private readonly System.Net.Sockets.TcpListener _listener = new(System.Net.IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _run;
        private Task _following = Task.CompletedTask;

        private StandbyOfRawPrimary(string directory, TimeProvider clock, CancellationToken cancellationToken)
        {
            _listener.Start();
            _run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Standby = Replica.Open(directory);
            Follower = new StandbyFollower(_listener.LocalEndpoint, Token, new StandbyReplica(Standby.Store, new RegistryStateMachine(Standby.Registry)), clock, NullLogger<StandbyFollower>.Instance);
        }

        public Replica Standby { get; }

        public StandbyFollower Follower { get; }

        /// <summary>The primary's end of the standby's connection.</summary>
        public System.Net.Sockets.Socket Primary { get; private set; } = null!;

        public static async Task<StandbyOfRawPrimary> StartAsync(string directory, TimeProvider clock, CancellationToken cancellationToken)
        {
            var pair = new StandbyOfRawPrimary(directory, clock, cancellationToken);
            pair._following = pair.Follower.RunAsync(pair._run.Token);
            pair.Primary = await pair._listener.AcceptSocketAsync(cancellationToken);
            var length = new byte[4];
            await pair.Primary.ReceiveAsync(length, cancellationToken);
            var subscribe = new byte[System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(length)];
            for (var got = 0; got < subscribe.Length;)
            {
                got += await pair.Primary.ReceiveAsync(subscribe.AsMemory(got), cancellationToken);
            }

            return pair;
        }

        public async ValueTask DisposeAsync()
        {
            await _run.CancelAsync();
            await _following;
            Primary?.Dispose();
            _listener.Dispose();
            _run.Dispose();
            await Standby.DisposeAsync();
        }
    }

    /// <summary>The frame of a snapshot message of a three-node registry made in <paramref name="directory"/>, and that registry's canonical text.</summary>
    private static async Task<(byte[] Frame, string Canonical)> SmallSnapshotFrameAsync(string directory, CancellationToken cancellationToken)
    {
        await using var source = Replica.Open(directory);
        await source.MutateAsync(1, 3);
        return (FrameOf(SnapshotMessage(await source.CaptureAcknowledgedAsync(cancellationToken))), source.Registry.ToCanonicalJson());
    }

    private static byte[] FrameOf(ReadOnlySpan<byte> message)
    {
        var frame = new byte[4 + message.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)message.Length);
        message.CopyTo(frame.AsSpan(4));
        return frame;
    }

    [Fact]
    public async Task Standby_ASnapshotArrivingSlowerThanTheReadDeadline_IsTakenWhileItKeepsComing()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new global::Registry.Persistence.Tests.TempDirectory();
        var (frame, canonical) = await SmallSnapshotFrameAsync(dir.Combine("source"), ct);

        // A primary on a slow link: the snapshot frame comes in four parts, 30 s apart on the standby's clock.
        var clock = new FakeTimeProvider();
        await using var pair = await StandbyOfRawPrimary.StartAsync(dir.Combine("standby"), clock, ct);
        var (follower, primary) = (pair.Follower, pair.Primary);

        var part = frame.Length / 4;
        for (var i = 0; i < 3; i++)
        {
            var before = follower.PartialReads;
            await primary.SendAsync(frame.AsMemory(i * part, part), ct);
            Assert.True(SpinWait.SpinUntil(() => follower.PartialReads > before, TimeSpan.FromSeconds(20)), $"part {i} was not read");
            clock.Advance(TimeSpan.FromSeconds(30));
        }

        await primary.SendAsync(frame.AsMemory(3 * part), ct);
        Assert.Equal(3UL * 2, await follower.FirstSnapshotInstalled.WaitAsync(TimeSpan.FromSeconds(20), ct));
        Assert.Equal(canonical, pair.Standby.Registry.ToCanonicalJson());
    }

    [Fact]
    public async Task Standby_ASnapshotDamagedNearItsStart_IsRefusedBeforeTheRestOfItsFrameArrives()
    {
        var ct = Timeouts.Bounded(30);
        using var dir = new global::Registry.Persistence.Tests.TempDirectory();
        await using var source = Replica.Open(dir.Combine("source"));
        await source.RegisterManyAsync(20_000);
        var frame = FrameOf(SnapshotMessage(await source.CaptureAcknowledgedAsync(ct)));
        Assert.True(frame.Length > 3 << 20, $"a frame of {frame.Length} bytes");

        // The first member name of the snapshot loses its opening quote: {"snapshot":{x… cannot be JSON.
        var start = 4 + ReplicationMessages.SnapshotMessagePrefix.Length;
        Assert.Equal((byte)'{', frame[start]);
        frame[start + 1] = (byte)'x';

        // Half the frame is sent, the rest never: the standby decodes as bytes arrive (a MiB at a time), so it gives up
        // on what it has and closes the connection, with its read deadline (a clock that never moves) far away.
        await using var pair = await StandbyOfRawPrimary.StartAsync(dir.Combine("standby"), new FakeTimeProvider(), ct);
        await pair.Primary.SendAsync(frame.AsMemory(0, frame.Length / 2), ct);

        // Closed with bytes still unread, the connection ends in a reset rather than an orderly end.
        var closed = await pair.Primary.ReceiveAsync(new byte[16], ct).AsTask().ContinueWith(
            static received => received.IsCompletedSuccessfully ? received.Result == 0 : received.Exception?.InnerException is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionReset },
            TaskScheduler.Default);
        Assert.True(closed, "the standby did not close the connection");
        Assert.Equal(0, pair.Follower.SnapshotsInstalled);
        Assert.Equal(0UL, pair.Standby.Store.Log.AcknowledgedSequence);
    }

    [Fact]
    public async Task Standby_ASnapshotThatStopsComingMidFrame_IsGivenUpAfterTheReadDeadline()
    {
        var ct = Timeouts.Bounded(30);
        using var dir = new global::Registry.Persistence.Tests.TempDirectory();
        var (frame, _) = await SmallSnapshotFrameAsync(dir.Combine("source"), ct);

        // The start of the frame, in one small write (one read on loopback), then silence.
        var clock = new FakeTimeProvider();
        await using var pair = await StandbyOfRawPrimary.StartAsync(dir.Combine("standby"), clock, ct);
        var (follower, primary) = (pair.Follower, pair.Primary);
        await primary.SendAsync(frame.AsMemory(0, 64), ct);
        Assert.True(SpinWait.SpinUntil(() => follower.PartialReads >= 1, TimeSpan.FromSeconds(20)), "the start of the snapshot was not read");

        var closed = primary.ReceiveAsync(new byte[16], ct).AsTask();
        clock.Advance(StandbyFollower.ReadTimeout - TimeSpan.FromSeconds(1));
        Assert.False(closed.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, await closed);
        Assert.Equal(0, follower.SnapshotsInstalled);
    }

    [Fact]
    public async Task Standby_ASnapshotMessageInAnotherMemberOrder_IsReadWholeAndInstalled()
    {
        var ct = Timeouts.Bounded(30);
        using var dir = new global::Registry.Persistence.Tests.TempDirectory();
        await using var source = Replica.Open(dir.Combine("source"));
        await source.MutateAsync(1, 20);
        var snapshot = SnapshotMessage(await source.CaptureAcknowledgedAsync(ct));
        var inner = snapshot.AsSpan(ReplicationMessages.SnapshotMessagePrefix.Length, snapshot.Length - ReplicationMessages.SnapshotMessagePrefix.Length - ReplicationMessages.SnapshotMessageSuffix.Length);

        // Valid JSON any primary could send, but not the layout the standby decodes as it arrives: the type first.
        byte[] message = [.. "{\"type\":\"replication_snapshot\",\"snapshot\":"u8, .. inner, .. "}"u8];
        await using var pair = await StandbyOfRawPrimary.StartAsync(dir.Combine("standby"), new FakeTimeProvider(), ct);
        await pair.Primary.SendAsync(FrameOf(message), ct);

        Assert.Equal(20UL * 2, await pair.Follower.FirstSnapshotInstalled.WaitAsync(ct));
        Assert.Equal(source.Registry.ToCanonicalJson(), pair.Standby.Registry.ToCanonicalJson());
    }

    [Fact]
    public async Task SynchronousPrimary_CountsOnlySubscribersThatConfirm_NotACopyThatNeverDoes()
    {
        using var dir = new global::Registry.Persistence.Tests.TempDirectory();
        await using var primary = Replica.Open(dir.Combine("primary"));
        using var feed = new DeltaFeed(primary.Store.Log);
        var confirmations = new StandbyConfirmations();
        await using var server = StartPrimary(primary, feed, TimeProvider.System, Keeper(dir.Combine("primary")), confirmations);
        await primary.MutateAsync(1, 5);
        using var run = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        // A copy (registry backup) follows like a standby but never confirms: it holds everything, yet counts for nothing.
        await using var copy = Replica.Open(dir.Combine("copy"));
        var copying = new StandbyFollower(server.EndPoint, Token, new StandbyReplica(copy.Store, new RegistryStateMachine(copy.Registry)), TimeProvider.System, NullLogger<StandbyFollower>.Instance, timeline: Keeper(dir.Combine("copy")))
        {
            ConfirmsDurability = false,
        };
        var copyLoop = copying.RunAsync(run.Token);
        Assert.Equal(primary.Store.Log.AcknowledgedSequence, await copying.FirstSnapshotInstalled.WaitAsync(TimeSpan.FromSeconds(20), run.Token));
        await primary.MutateAsync(6, 5);
        WaitConverged(primary, copy);

        // A standby confirms; when it has confirmed everything, it is the only one counted.
        await using var standby = Replica.Open(dir.Combine("standby"));
        var following = new StandbyFollower(server.EndPoint, Token, new StandbyReplica(standby.Store, new RegistryStateMachine(standby.Registry)), TimeProvider.System, NullLogger<StandbyFollower>.Instance, timeline: Keeper(dir.Combine("standby")));
        var standbyLoop = following.RunAsync(run.Token);
        var target = primary.Store.Log.AcknowledgedSequence;
        Assert.True(SpinWait.SpinUntil(() => confirmations.Confirmed >= target, TimeSpan.FromSeconds(20)), $"confirmed {confirmations.Confirmed} of {target}");
        Assert.Equal(1, confirmations.ConfirmingStandbys);

        await run.CancelAsync();
        await Task.WhenAll(copyLoop, standbyLoop);
        Assert.True(SpinWait.SpinUntil(() => confirmations.ConfirmingStandbys == 0, TimeSpan.FromSeconds(10)), "a standby that left is still counted");
    }

    [Fact]
    public async Task GoStyleSubscriber_GetsSnapshotThenHeartbeatsAndPushedSnapshots()
    {
        using var dir = new global::Registry.Persistence.Tests.TempDirectory();
        var time = new FakeTimeProvider();
        await using var primary = Replica.Open(dir.Combine("primary"));
        using var feed = new DeltaFeed(primary.Store.Log);
        await using var server = StartPrimary(primary, feed, time);
        await primary.MutateAsync(1, 3);

        var ct = Timeouts.Bounded(20);
        using var client = await server.ConnectAsync(ct);
        await client.SendAsync($"{{\"type\":\"subscribe_replication\",\"token\":\"{Token}\"}}", ct);
        using (var first = JsonDocument.Parse((await client.ReadAsync(ct))!))
        {
            Assert.Equal("replication_snapshot", first.RootElement.GetProperty("type").GetString());
            Assert.Equal(3, first.RootElement.GetProperty("snapshot").GetProperty("nodes").EnumerateObject().Count());
        }

        await primary.MutateAsync(4, 1);
        Assert.True(SpinWait.SpinUntil(() => feed.Subscribers == 1, TimeSpan.FromSeconds(10)));

        // The change is pushed as a fresh snapshot on a push tick (1 s), and a heartbeat follows at 15 s.
        string? pushed = null;
        for (var second = 1; second <= 5 && pushed is null; second++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            using var tick = CancellationTokenSource.CreateLinkedTokenSource(ct);
            tick.CancelAfter(TimeSpan.FromSeconds(2));
            try
            {
                pushed = await client.ReadAsync(tick.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
            }
        }

        using (var document = JsonDocument.Parse(pushed ?? throw new InvalidOperationException("no snapshot was pushed")))
        {
            Assert.Equal("replication_snapshot", document.RootElement.GetProperty("type").GetString());
            Assert.Equal(4, document.RootElement.GetProperty("snapshot").GetProperty("nodes").EnumerateObject().Count());
        }

        // Within 15 s a heartbeat comes; a later push of the same change may come first (the mutation was two appends).
        time.Advance(TimeSpan.FromSeconds(15));
        string? message;
        var skipped = 0;
        while ((message = await client.ReadAsync(ct)) is not null && message.StartsWith("{\"snapshot\"", StringComparison.Ordinal) && skipped++ < 3)
        {
        }

        Assert.Equal("{\"type\":\"heartbeat\"}", message);
    }

    [Fact]
    public async Task GoStyleSubscriber_OfARegistryCostlyToSnapshot_GetsItsNextSnapshotOnlyOnceTheCostAllows()
    {
        using var dir = new global::Registry.Persistence.Tests.TempDirectory();
        var time = new FakeTimeProvider();
        await using var primary = Replica.Open(dir.Combine("primary"));
        using var feed = new DeltaFeed(primary.Store.Log);

        // Each capture takes half a second of the primary's clock: a push may start 4.5 s after the last one ended.
        var captured = new System.Collections.Concurrent.ConcurrentQueue<DateTimeOffset>();
        async Task<Snapshot> CostlyCaptureAsync(CancellationToken cancellationToken)
        {
            time.Advance(TimeSpan.FromMilliseconds(500));
            captured.Enqueue(time.GetUtcNow());
            return await primary.CaptureAcknowledgedAsync(cancellationToken);
        }

        var log = new CapturingLoggerProvider(LogLevel.Information);
        using var loggers = LoggerFactory.Create(builder => builder.AddProvider(log));
        var source = new DeltaReplicationSource(feed, CostlyCaptureAsync, time, loggers.CreateLogger<DeltaReplicationSource>());
        await using var server = TestServer.Start(replication: source, configure: o => o with { ReplicationToken = static () => Token });
        await primary.MutateAsync(1, 3);
        var ct = Timeouts.Bounded(30);
        using var client = await server.ConnectAsync(ct);
        await client.SendAsync($"{{\"type\":\"subscribe_replication\",\"token\":\"{Token}\"}}", ct);
        Assert.NotNull(await client.ReadAsync(ct));
        var firstEnded = time.GetUtcNow();
        Assert.True(SpinWait.SpinUntil(() => feed.Subscribers == 1, TimeSpan.FromSeconds(10)));
        await primary.MutateAsync(4, 1);

        // A push tick a second, each handled before the next; the change waits for the pacing, then goes.
        for (var tick = 1; tick <= 8; tick++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            Assert.True(SpinWait.SpinUntil(() => source.PushTicks >= tick, TimeSpan.FromSeconds(10)), $"push tick {tick} was not handled");
        }

        Assert.Equal(2, captured.Count);
        Assert.True(captured.Last() - TimeSpan.FromMilliseconds(500) >= firstEnded + TimeSpan.FromSeconds(4.5), $"the second push started {captured.Last() - TimeSpan.FromMilliseconds(500) - firstEnded} after the first ended");
        using var pushed = JsonDocument.Parse((await client.ReadAsync(ct))!);
        Assert.Equal(4, pushed.RootElement.GetProperty("snapshot").GetProperty("nodes").EnumerateObject().Count());

        // The operator is told once why this standby's snapshots come less often than every second.
        var paced = Assert.Single(log.Entries, entry => entry.Message.Contains("snapshot push", StringComparison.Ordinal));
        Assert.Contains("takes 500 ms; the next waits 4.5 s after one ends", paced.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscriber_OfALargeRegistry_GetsTheSnapshotWhileThePrimaryEncodesIt()
    {
        using var dir = new global::Registry.Persistence.Tests.TempDirectory();
        await using var primary = Replica.Open(dir.Combine("primary"));
        using var feed = new DeltaFeed(primary.Store.Log);

        // About 20 MB of nodes: several times what the pipes, the primary's send buffer and a receive buffer of 64 KiB
        // hold between them.
        var nodes = new CountingNodeSource(60_000);
        await using var server = StartPrimary(primary, feed, new FakeTimeProvider(), capture: _ => Task.FromResult(new Snapshot { NextNode = 60_001, NodeSource = nodes, Networks = [] }));
        var ct = Timeouts.Bounded(60);
        using var client = await WireClient.ConnectAsync(server.EndPoint, ct, receiveBufferBytes: 64 * 1024);
        await client.SendAsync($"{{\"type\":\"subscribe_replication\",\"token\":\"{Token}\"}}", ct);

        // The first mebibyte is here while the primary is still at its second encoding (the first found the frame's
        // length), which goes at this reader's pace: the message is not held whole.
        var first = (await client.ReadBytesAsync(4 + ReplicationSubscriber.PieceBytes, ct))!;
        Assert.InRange(nodes.Filled, nodes.Count + 1, (2 * nodes.Count) - 1);

        var length = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(first);
        var rest = (await client.ReadBytesAsync((int)length - ReplicationSubscriber.PieceBytes, ct))!;
        var message = first.AsSpan(4).ToArray().Concat(rest).ToArray();
        Assert.Equal(2 * nodes.Count, nodes.Filled);
        var prefix = ReplicationMessages.SnapshotMessagePrefix.Length;
        var suffix = ReplicationMessages.SnapshotMessageSuffix.Length;
        Assert.True(message.AsSpan(message.Length - suffix).SequenceEqual(ReplicationMessages.SnapshotMessageSuffix.Span));
        using var snapshot = new MemoryStream(message, prefix, message.Length - prefix - suffix);
        Assert.Equal(nodes.Count, SnapshotReader.Read(snapshot, snapshot.Length, "the message").Snapshot.Nodes!.Count);
    }

    /// <summary>Nodes of some 330 bytes each, counting how often the encoder asks for one.</summary>
    private sealed class CountingNodeSource(int count) : ISnapshotNodeSource
    {
        private int _filled;

        public int Count => count;

        public int Filled => Volatile.Read(ref _filled);

        public uint IdAt(int index) => (uint)index + 1;

        public void Fill(int index, SnapshotNode target)
        {
            Interlocked.Increment(ref _filled);
            var key = new byte[32];
            BitConverter.TryWriteBytes(key, index);
            target.Id = (uint)index + 1;
            target.PublicKey = Convert.ToBase64String(key);
            target.Hostname = $"node-{index:D8}.streaming-snapshot.example";
            target.Tags = ["region-europe-west", "tier-production", $"shard-{index % 97:D4}", "streamed"];
            target.Networks = [0];
            target.LastSeen = "2026-11-27T18:00:00Z";
            target.KeyCreated = "2026-11-27T17:00:00Z";
            target.Version = "v1.9.0-registry";
        }
    }

    /// <summary>The snapshot message the primary sends for <paramref name="snapshot"/>, whole.</summary>
    private static byte[] SnapshotMessage(Snapshot snapshot)
    {
        var message = new System.Buffers.ArrayBufferWriter<byte>();
        ReplicationMessages.WriteSnapshot(snapshot, message);
        return message.WrittenSpan.ToArray();
    }

    [Theory]
    [InlineData("{\"from_seq\":7,\"prev_crc\":4294967295}", 4294967295L)]
    [InlineData("{\"from_seq\":7,\"prev_crc\":0}", 0L)]
    [InlineData("{\"from_seq\":7}", null)]
    [InlineData("{\"from_seq\":7,\"prev_crc\":4294967296}", null)]
    [InlineData("{\"from_seq\":7,\"prev_crc\":-1}", null)]
    [InlineData("{\"from_seq\":7,\"prev_crc\":\"12\"}", null)]
    public void PreviousChecksum_OnlyAUint32NumberCounts(string request, long? expected)
    {
        using var document = JsonDocument.Parse(request);
        Assert.Equal(expected is { } value ? (uint)value : null, Dispatch.ReplicationHandshake.PreviousChecksum(document.RootElement));
    }

    [Theory]
    [InlineData("{\"standby_id\":\"0f3a9c\"}", "0f3a9c")]
    [InlineData("{\"standby_id\":\"\"}", null)]
    [InlineData("{\"standby_id\":\"has space\"}", null)]
    [InlineData("{\"standby_id\":12}", null)]
    [InlineData("{}", null)]
    public void StandbyId_OnlyAShortNameOfLettersDigitsAndDashesCounts(string request, string? expected)
    {
        using var document = JsonDocument.Parse(request);
        Assert.Equal(expected, Dispatch.ReplicationHandshake.StandbyId(document.RootElement));
        Assert.Null(Dispatch.ReplicationHandshake.StandbyId(JsonDocument.Parse($"{{\"standby_id\":\"{new string('a', 65)}\"}}").RootElement));
    }

    [Fact]
    public void SubscribeMessage_CarriesPrevCrcOnlyWhenKnown_AndTheDivergedErrorParsesBack()
    {
        using var with = JsonDocument.Parse(ReplicationMessages.Subscribe(Token, 12, 0xDEADBEEF));
        using var without = JsonDocument.Parse(ReplicationMessages.Subscribe(Token, 12));

        Assert.Equal(0xDEADBEEF, Dispatch.ReplicationHandshake.PreviousChecksum(with.RootElement));
        Assert.False(without.RootElement.TryGetProperty("prev_crc", out _));
        Assert.Equal(11UL, ReplicationMessages.DivergedAt(new HistoryDivergedException(11).Message));
        Assert.Null(ReplicationMessages.DivergedAt("invalid replication token"));
        Assert.Null(ReplicationMessages.DivergedAt(ReplicationMessages.DivergedPrefix + "x"));
    }
}

using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Registry.Persistence;
using Registry.Persistence.Replication;
using Registry.Server.Protocol;
using Registry.Server.Security;

namespace Registry.Server.Replication;

/// <summary>A standby's connection to its primary: subscribe, install snapshots, apply deltas, reconnect after failures.</summary>
/// <remarks>
/// It resumes from <see cref="StandbyReplica.NextSequence"/>, so after a restart or a dropped connection only the
/// missing records travel; a fresh standby asks for a snapshot first. Any failure (connection, damage, a gap the
/// primary cannot serve) closes the connection and retries after <see cref="RetryDelay"/>, as Go's standby does.
/// A primary that finds this standby's history different from its own (<see cref="DivergedAt"/>) is retried too,
/// but from then on nothing is applied until restart.
/// With a <see cref="TlsClientTrust"/> the connection is TLS and the primary's certificate must satisfy it (a pin, a CA file
/// or the system store); a rejection is retried like any failure, so each attempt logs what failed.
/// </remarks>
public sealed partial class StandbyFollower(
    EndPoint primary,
    string token,
    StandbyReplica replica,
    TimeProvider time,
    ILogger<StandbyFollower> logger,
    TlsClientTrust? tls = null,
    TimelineKeeper? timeline = null)
{
    /// <summary>Go's reconnect delay.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(3);

    /// <summary>Go's read deadline: a primary heartbeats every 15 s, so silence this long means it is gone.</summary>
    public static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(45);

    /// <summary>Delta messages applied but not yet known to be durable before the next one waits; a primary batch is one message.</summary>
    public const int MaxChunksInFlight = 256;

    // A snapshot of a registry at Go's cap of a million nodes is one frame of 250-500 MB (230-450 bytes a node).
    private const int MaxMessageBytes = 1024 * 1024 * 1024;
    private long _snapshots;
    private long _chunks;
    private long _lastContact;
    private ulong _primarySequence;
    private ulong _divergedAt;
    private int _caughtUp;
    private long _handled;
    private long _partialReads;

    // Since when this standby has lacked a position the primary announced (a TimeProvider timestamp; 0: it holds all
    // of them). From construction: until it has heard and caught up, how far behind it is is unknown.
    private long _behindSince = time.GetTimestamp();
    private readonly TaskCompletionSource<ulong> _firstSnapshot = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Whether to confirm durable positions when a primary asks (<c>replication_ack</c>: synchronous replication,
    /// MinStandbysToWrite); true for a standby.
    /// A one-off copy (<c>registry backup</c>) sets it false, so a primary never counts it among the standbys it waits for.
    /// </summary>
    public bool ConfirmsDurability { get; init; } = true;

    /// <summary>The identity of this standby's data directory, sent when subscribing (<c>standby_id</c>) so the primary counts it once however often it reconnects; null sends none.</summary>
    public string? Identity { get; init; }

    /// <summary>Completes with the snapshot's sequence once the first snapshot of this follower's life is installed and durable.</summary>
    public Task<ulong> FirstSnapshotInstalled => _firstSnapshot.Task;

    /// <summary>Snapshots installed since start.</summary>
    public long SnapshotsInstalled => Interlocked.Read(ref _snapshots);

    /// <summary>Delta messages applied since start (in memory; durable shortly after, see <see cref="StandbyReplica.ApplyChunk"/>).</summary>
    public long ChunksApplied => Interlocked.Read(ref _chunks);

    /// <summary>How many records this standby is behind the primary, as of the primary's last message.</summary>
    public ulong LagSequences
    {
        get
        {
            var applied = replica.NextSequence - 1;
            var primarySequence = Volatile.Read(ref _primarySequence);
            return primarySequence > applied ? primarySequence - applied : 0;
        }
    }

    /// <summary>
    /// The sequence number at which the primary found this standby's history different from its own, or null while none
    /// was found. Once set it stays set until restart: nothing from any primary is applied any more (not even a snapshot,
    /// which would discard the standby's own acknowledged records); an operator decides (docs/operations.md).
    /// </summary>
    public ulong? DivergedAt => Volatile.Read(ref _divergedAt) is var at and > 0 ? at : null;

    /// <summary>
    /// Whether this standby, on its current connection, holds at least what the primary had when it started streaming
    /// (the first <c>primary_seq</c> it announced; from a primary that announces none, its snapshot). False from every
    /// (re)connection until then: in contact is not the same as caught up, and a standby still receiving its first
    /// snapshot holds nothing.
    /// </summary>
    public bool CaughtUp => Volatile.Read(ref _caughtUp) != 0;

    /// <summary>
    /// How long this standby has lacked something the primary had: zero while it holds every position the primary
    /// announced; otherwise the time since the oldest announced position it does not hold yet was announced (measured on
    /// this server's clock, so the two clocks need not agree). Since start until the first catch-up; since the last
    /// contact while the connection is down.
    /// </summary>
    public TimeSpan Behind => Volatile.Read(ref _behindSince) is var since and not 0 ? time.GetElapsedTime(since) : TimeSpan.Zero;

    /// <summary>Reads that brought part of a frame still incomplete (each one restarts the read deadline).</summary>
    internal long PartialReads => Interlocked.Read(ref _partialReads);

    /// <summary>Messages of the primary's fully handled since start (applied, and <see cref="Behind"/> and <see cref="CaughtUp"/> updated).</summary>
    internal long MessagesHandled => Interlocked.Read(ref _handled);

    /// <summary>When the primary was last heard from, as a <see cref="TimeProvider"/> timestamp (0 before the first contact).</summary>
    public long LastContact => Interlocked.Read(ref _lastContact);

    /// <summary>Follows the primary until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await FollowOnceAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (HistoryDivergedException ex)
            {
                LogDiverged(logger, primary, ex.Sequence);
            }
            catch (Exception ex) when (ex is IOException or SocketException or AuthenticationException or JsonException or PersistenceException or TimeoutException or InvalidOperationException or KeyNotFoundException or FormatException)
            {
                LogRetry(logger, primary, ex.Message);
            }
            finally
            {
                // Disconnected: whatever the primary does meanwhile is missing here, from the last word heard at the latest.
                if (Volatile.Read(ref _behindSince) == 0)
                {
                    Volatile.Write(ref _behindSince, LastContact is var contact and not 0 ? contact : time.GetTimestamp());
                }
            }

            try
            {
                await Task.Delay(RetryDelay, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Tells a primary this server used to follow that <paramref name="epoch"/> began at <paramref name="next"/> (a
    /// subscription it must refuse), which makes a primary of ours stop taking writes; returns its answer's error text,
    /// or null when it answered anything else (an older build streams instead).
    /// </summary>
    public static async Task<string?> AnnounceEpochAsync(EndPoint primary, TlsClientTrust? tls, string token, ulong next, ulong epoch, CancellationToken cancellationToken)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await using var stream = await ConnectAsync(socket, primary, tls, cancellationToken);
        var writer = new FrameWriter(PipeWriter.Create(stream));
        await writer.WriteAsync(Response.FromJson(ReplicationMessages.Subscribe(token, next, previousChecksum: null, epoch)), cancellationToken);
        var frame = await new FrameReader(PipeReader.Create(stream), MaxMessageBytes).ReadAsync(cancellationToken);
        using var document = frame.Document;
        return document?.RootElement is { } reply && reply.TryGetProperty("type", out var type) && type.ValueEquals("error"u8)
            && reply.TryGetProperty("error", out var error)
            ? error.GetString()
            : null;
    }

    private static async Task<Stream> ConnectAsync(Socket socket, EndPoint primary, TlsClientTrust? tls, CancellationToken cancellationToken)
    {
        using var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        connect.CancelAfter(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(primary, connect.Token);
        Stream stream = new NetworkStream(socket, ownsSocket: false);
        return tls is null ? stream : await tls.AuthenticateAsync(stream, primary, connect.Token);
    }

    private async Task FollowOnceAsync(CancellationToken cancellationToken)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await using var stream = await ConnectAsync(socket, primary, tls, cancellationToken);
        var input = PipeReader.Create(stream);
        var writer = new FrameWriter(PipeWriter.Create(stream));
        // 0 asks for a snapshot first (this standby holds nothing yet), then deltas; a Go standby omits the member.
        var from = replica.NextSequence > 1 ? replica.NextSequence : 0;

        // The checksum of the last record lets the primary refuse a standby whose history is not a prefix of its own.
        var previousChecksum = from > 1 ? replica.PreviousChecksum : null;
        await writer.WriteAsync(Response.FromJson(ReplicationMessages.Subscribe(token, from, previousChecksum, timeline?.Current.Current, Identity)), cancellationToken);
        LogSubscribed(logger, primary, tls is null ? "plain TCP" : $"TLS trusting {tls}", from, previousChecksum is null ? "no" : "yes");

        var reader = new FrameReader(input, MaxMessageBytes);
        var link = new Link(writer);
        Volatile.Write(ref _caughtUp, 0);
        using var stopReporting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        link.Stop = stopReporting.Token;
        try
        {
            await ReadStreamAsync(reader, link, cancellationToken);
        }
        finally
        {
            await stopReporting.CancelAsync();
            await link.Reporting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task ReadStreamAsync(FrameReader reader, Link link, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Silence, not slowness, means the primary is gone: each piece of a frame still arriving (a snapshot of a
            // large registry on a slow link takes longer than the deadline) starts the deadline again.
            using var silence = new CancellationTokenSource(ReadTimeout, time);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, silence.Token);
            reader.Progress = () =>
            {
                silence.CancelAfter(ReadTimeout);
                Interlocked.Increment(ref _partialReads);
            };
            FrameReadResult frame = default;
            Persistence.Snapshots.Model.Snapshot? snapshot;
            try
            {
                // A snapshot is decoded as it arrives rather than held whole; any other message is read whole.
                snapshot = await StreamedSnapshot.TryReceiveAsync(reader, deadline.Token);
                if (snapshot is null)
                {
                    frame = await reader.ReadAsync(deadline.Token);
                }
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"nothing from the primary for {ReadTimeout}", ex);
            }
            finally
            {
                reader.Progress = null;
            }

            if (snapshot is not null)
            {
                await HandleAsync(ReplicationMessages.SnapshotType, default, snapshot, link, cancellationToken);
                continue;
            }

            if (!frame.IsRequest)
            {
                throw new IOException($"replication stream ended ({frame.Outcome})");
            }

            using (var document = frame.Document!)
            {
                await HandleAsync(document.RootElement, link, cancellationToken);
            }

            reader.Release();
        }
    }

    /// <param name="message">The primary's message.</param>
    /// <param name="link">This connection's chunks in flight and its reporter of durable positions.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    private async Task HandleAsync(JsonElement message, Link link, CancellationToken cancellationToken)
    {
        var type = message.TryGetProperty("type", out var t) ? t.GetString() : null;
        if (string.Equals(type, "error", StringComparison.Ordinal))
        {
            // A refusal is not contact: a standby that is only ever refused must not look caught up.
            var error = message.TryGetProperty("error", out var e) ? e.GetString() : null;
            if (ReplicationMessages.DivergedAt(error) is { } sequence)
            {
                Volatile.Write(ref _divergedAt, sequence);
                throw new HistoryDivergedException(sequence);
            }

            throw new IOException($"primary refused: {error}");
        }

        await HandleAsync(type, message, snapshot: null, link, cancellationToken);
    }

    /// <param name="type">The message's type.</param>
    /// <param name="message">The message, or <c>default</c> for a snapshot decoded as it arrived.</param>
    /// <param name="snapshot">That snapshot, or null.</param>
    /// <param name="link">This connection's chunks in flight and its reporter of durable positions.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    private async Task HandleAsync(string? type, JsonElement message, Persistence.Snapshots.Model.Snapshot? snapshot, Link link, CancellationToken cancellationToken)
    {
        if (DivergedAt is { } diverged)
        {
            throw new HistoryDivergedException(diverged);
        }

        var now = time.GetTimestamp();
        Interlocked.Exchange(ref _lastContact, now);
        if (message.ValueKind == JsonValueKind.Object && ReplicationMessages.PrimarySequence(message) is { } primarySequence)
        {
            Volatile.Write(ref _primarySequence, primarySequence);
            link.CatchUpTarget ??= primarySequence;
            link.Announcements.Add(primarySequence, now, Volatile.Read(ref _behindSince));
        }

        await ApplyAsync(message, type, snapshot, link, cancellationToken);
        var applied = replica.NextSequence - 1;
        var caughtUpNow = !CaughtUp && (link.CatchUpTarget is { } target ? applied >= target : string.Equals(type, ReplicationMessages.SnapshotType, StringComparison.Ordinal));

        // Before CaughtUp, so that whoever sees it caught up sees it not behind. A primary that announces no positions
        // (Go's) is held in full by its latest snapshot.
        var behindSince = link.Announcements.OldestMissing(applied) ?? (link.Announcements.Any || CaughtUp || caughtUpNow ? 0 : Volatile.Read(ref _behindSince));
        Volatile.Write(ref _behindSince, behindSince);
        if (caughtUpNow)
        {
            Volatile.Write(ref _caughtUp, 1);
            LogCaughtUp(logger, primary, applied);
        }

        Interlocked.Increment(ref _handled);
    }

    /// <summary>Acts on one message of the primary's: installs a snapshot, applies deltas, adopts a timeline.</summary>
    private async Task ApplyAsync(JsonElement message, string? type, Persistence.Snapshots.Model.Snapshot? streamed, Link link, CancellationToken cancellationToken)
    {
        var inFlight = link.InFlight;
        switch (type)
        {
            case ReplicationMessages.SnapshotType:
                await SettleAsync(inFlight, 0, cancellationToken);

                // Decoding and installing a whole registry takes long: not on a socket engine thread serving clients.
                await Transport.EngineThread.Leave();
                var snapshot = streamed ?? ReplicationMessages.ReadSnapshot(message);
                var setAside = await replica.InstallSnapshotAsync(snapshot, cancellationToken);
                Interlocked.Increment(ref _snapshots);
                _firstSnapshot.TrySetResult(snapshot.WalSeq);
                link.Reporter?.Signal();
                LogSnapshot(logger, snapshot.WalSeq);
                if (setAside.Count > 0)
                {
                    LogSetAside(logger, snapshot.WalSeq, string.Join(", ", setAside));
                }

                break;
            case ReplicationMessages.DeltasType:
                // The next chunk is taken while this one syncs, so chunks arriving together share a sync; the window
                // bounds what a stalled disk lets pile up in memory, and a failed sync surfaces on the next chunk.
                await SettleAsync(inFlight, MaxChunksInFlight - 1, cancellationToken);
                var durable = replica.ApplyChunk(ReplicationMessages.ReadDeltas(message));
                inFlight.Enqueue(durable);
                if (link.Reporter is { } reporter)
                {
                    _ = durable.ContinueWith(static (_, state) => ((DurablePositionReporter)state!).Signal(), reporter, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                }

                Interlocked.Increment(ref _chunks);
                break;
            case ReplicationMessages.HeartbeatType:
                break;
            case ReplicationMessages.TimelineType:
                // Durable before the records it describes are taken; an older build's standby has no keeper and ignores it.
                var adopted = ReplicationMessages.ReadTimeline(message);
                if (timeline is not null && timeline.Replace(adopted))
                {
                    LogTimeline(logger, adopted);
                }

                if (ConfirmsDurability && ReplicationMessages.ReadAckRequest(message) is var acks and not AckRequest.None && link.Reporter is null)
                {
                    // A synchronous primary waits for these before it acknowledges its clients' writes; one with
                    // MinStandbysToWrite counts the standbys it hears from.
                    link.Reporter = new DurablePositionReporter(link.Writer, () => replica.DurableSequence, time, everyChange: acks == AckRequest.EveryChange);
                    link.Reporting = link.Reporter.RunAsync(link.Stop);
                    link.Reporter.Signal();
                    LogAcksRequested(logger, primary, acks == AckRequest.EveryChange ? "every change: it replicates synchronously" : "once a second: it counts its standbys");
                }

                break;
            default:
                throw new IOException($"unexpected replication message type '{type}'");
        }
    }

    /// <summary>Takes finished acknowledgements off the window (rethrowing a failure), then waits for the oldest until at most <paramref name="keep"/> remain.</summary>
    private static async Task SettleAsync(Queue<Task> inFlight, int keep, CancellationToken cancellationToken)
    {
        while (inFlight.Count > 0 && (inFlight.Peek().IsCompleted || inFlight.Count > keep))
        {
            await inFlight.Dequeue().WaitAsync(cancellationToken);
        }
    }
}

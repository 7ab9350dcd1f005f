using Microsoft.Extensions.Logging;
using Registry.Persistence.Replication;
using Registry.Persistence.Snapshots.Model;
using Registry.Server.Dispatch;
using Registry.Server.Protocol;

namespace Registry.Server.Replication;

/// <summary>The primary side of replication: a snapshot when the standby needs one, then the log's acknowledged records as they come.</summary>
/// <remarks>
/// <para>A standby that sends <c>from_seq</c> gets <c>replication_deltas</c> from there (or a snapshot first, when the log
/// no longer holds that sequence); when it also sends <c>prev_crc</c> and the record before <c>from_seq</c> differs from
/// ours, it gets the error <c>replication history diverged at sequence N</c> and nothing else. A Go standby, which
/// sends none, gets Go's behaviour: a snapshot, then a fresh snapshot at most every <see cref="PushInterval"/> while
/// things change, and no more often than its cost allows (<see cref="SnapshotPushPacing"/>). Everyone gets a heartbeat every 15 s.</para>
/// <para>With a <see cref="TimelineKeeper"/>, a standby that sends its <c>epoch</c> is checked against this server's
/// timeline first (a split shows even where compaction removed the records), then sent this timeline to adopt.</para>
/// <para>Only acknowledged (durable) records and snapshots of acknowledged state are sent.</para>
/// <para>With <see cref="StandbyConfirmations"/> (synchronous replication) the timeline asks the standby for
/// <c>replication_ack</c> frames, which are read on the same connection while records stream.</para>
/// </remarks>
public sealed partial class DeltaReplicationSource(
    DeltaFeed feed,
    Func<CancellationToken, Task<Snapshot>> captureAcknowledged,
    TimeProvider time,
    ILogger<DeltaReplicationSource> logger,
    TimelineKeeper? timeline = null,
    Action<ulong>? superseded = null,
    StandbyConfirmations? confirmations = null) : IReplicationSource
{
    /// <summary>The largest frame a standby may send back (a <c>replication_ack</c> is about 50 bytes).</summary>
    private const int MaxAckFrameBytes = 1024;

    /// <summary>Go's heartbeat interval.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(15);

    /// <summary>Go's push cadence for snapshot-only standbys.</summary>
    public static readonly TimeSpan PushInterval = TimeSpan.FromSeconds(1);

    private readonly Lock _connectedLock = new();
    private readonly List<string> _connected = [];
    private long _pushTicks;

    /// <summary>Push ticks handled for snapshot-only standbys since start (a snapshot sent or not).</summary>
    internal long PushTicks => Interlocked.Read(ref _pushTicks);

    /// <summary>The identities (<c>standby_id</c>) of the subscribers being served now, one entry per connection; subscribers without one are not listed.</summary>
    public IReadOnlyList<string> ConnectedStandbyIds
    {
        get
        {
            lock (_connectedLock)
            {
                return [.. _connected];
            }
        }
    }

    /// <inheritdoc/>
    public async Task ServeAsync(ReplicationSubscriber subscriber, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        var identity = subscriber.StandbyId;
        if (identity is not null)
        {
            lock (_connectedLock)
            {
                _connected.Add(identity);
            }
        }

        try
        {
            await ServeConnectedAsync(subscriber, cancellationToken);
        }
        finally
        {
            if (identity is not null)
            {
                lock (_connectedLock)
                {
                    _connected.Remove(identity);
                }
            }
        }
    }

    private async Task ServeConnectedAsync(ReplicationSubscriber subscriber, CancellationToken cancellationToken)
    {
        var snapshotsOnly = subscriber.FromSequence is null;

        // The cadence starts at subscription, before anything is sent.
        using var heartbeat = new PeriodicTimer(HeartbeatInterval, time);
        using var push = new PeriodicTimer(PushInterval, time);
        DeltaSubscription? subscription = null;
        if (timeline is not null && subscriber.Epoch is { } epoch)
        {
            if (EpochRefusal(subscriber, epoch, timeline.Current) is { } refusal)
            {
                await subscriber.SendErrorAsync(refusal, cancellationToken);
                return;
            }

            // Before any record: the standby adopts it durably, so what it holds is always described by its timeline.
            await subscriber.SendAsync(ReplicationMessages.TimelineOf(timeline.Current, confirmations?.Requested ?? AckRequest.None, feed.AcknowledgedSequence), cancellationToken);
        }

        if (subscriber.FromSequence is { } from and > 0)
        {
            try
            {
                subscription = feed.Subscribe(from, subscriber.PreviousChecksum);
                LogResume(logger, subscriber.RemoteEndPoint, from, subscriber.PreviousChecksum is null ? "unchecked: no prev_crc" : "matches");
            }
            catch (SnapshotRequiredException ex)
            {
                LogSnapshotNeeded(logger, subscriber.RemoteEndPoint, from, ex.Message);
            }
            catch (HistoryDivergedException ex)
            {
                // No snapshot either: the standby's own records were acknowledged to someone, and an operator decides.
                LogDiverged(logger, subscriber.RemoteEndPoint, ex.Sequence, from);
                await subscriber.SendErrorAsync(ex.Message, cancellationToken);
                return;
            }
        }

        var pacing = snapshotsOnly ? new SnapshotPushPacing(time) : null;
        if (subscription is null)
        {
            var started = time.GetTimestamp();
            var snapshot = await captureAcknowledged(cancellationToken);
            await SendSnapshotAsync(subscriber, snapshot, cancellationToken);
            Paced(subscriber, pacing, started);
            subscription = feed.Subscribe(snapshot.WalSeq + 1);
        }

        using (subscription)
        {
            // Only a standby that was sent the timeline (with "acks") confirms what it holds.
            using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var acks = confirmations is not null && timeline is not null && subscriber.Epoch is not null
                ? ReadAcksAsync(subscriber, confirmations, stopReading.Token)
                : Task.CompletedTask;
            try
            {
                await StreamAsync(subscriber, subscription, pacing, heartbeat, push, cancellationToken);
            }
            finally
            {
                await stopReading.CancelAsync();
                await acks;
            }
        }
    }

    /// <summary>Reads a standby's <c>replication_ack</c> frames into <paramref name="confirmations"/> until the stream ends; anything else ends the reading.</summary>
    private async Task ReadAcksAsync(ReplicationSubscriber subscriber, StandbyConfirmations confirmations, CancellationToken cancellationToken)
    {
        // Counted from its first confirmation: a subscriber that never confirms (an older build, a backup copy) is no
        // standby to wait for, and must not make this primary look ready.
        StandbyConfirmations.Standby? attached = null;
        var reader = new Protocol.FrameReader(subscriber.Input, MaxAckFrameBytes);
        try
        {
            while (true)
            {
                var frame = await reader.ReadAsync(cancellationToken);
                if (!frame.IsRequest)
                {
                    return;
                }

                using var document = frame.Document!;
                if (ReplicationMessages.ReadAck(document.RootElement) is not { } sequence)
                {
                    LogUnexpectedFromStandby(logger, subscriber.RemoteEndPoint);
                    return;
                }

                // A standby cannot hold what this server has not acknowledged; a larger number is not trusted further.
                attached ??= confirmations.Attach(subscriber.StandbyId);
                attached.Confirm(Math.Min(sequence, feed.AcknowledgedSequence));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The stream ended (the standby left, or this server stops): its writes fail or have stopped already.
        }
        finally
        {
            attached?.Dispose();
        }
    }

    /// <summary>Why a standby on <paramref name="epoch"/> asking for <see cref="ReplicationSubscriber.FromSequence"/> cannot follow this history, or null when it can.</summary>
    private string? EpochRefusal(ReplicationSubscriber subscriber, ulong epoch, Timeline own)
    {
        if (epoch > own.Current)
        {
            LogSuperseded(logger, subscriber.RemoteEndPoint, epoch, own.Current);
            superseded?.Invoke(epoch);
            return ReplicationMessages.Superseded(epoch, own.Current);
        }

        // This history left the standby's epoch at `left`; holding that record or later ones means holding records a
        // primary of that epoch wrote after the promotion this history followed: the two diverged there.
        var last = subscriber.FromSequence is { } from and > 1 ? from - 1 : 0;
        if (own.LeftAt(epoch) is { } left && last >= left)
        {
            LogDivergedEpoch(logger, subscriber.RemoteEndPoint, epoch, last, left);
            return new HistoryDivergedException(left).Message;
        }

        return null;
    }

    /// <param name="subscriber">The standby.</param>
    /// <param name="subscription">The acknowledged records from where the standby is.</param>
    /// <param name="pacing">For a snapshot-only (Go) standby, when its next snapshot may go; null for a standby that takes records.</param>
    /// <param name="heartbeat">The heartbeat's ticks.</param>
    /// <param name="push">Go's push ticks.</param>
    /// <param name="cancellationToken">Ends the stream.</param>
    private async Task StreamAsync(ReplicationSubscriber subscriber, DeltaSubscription subscription, SnapshotPushPacing? pacing, PeriodicTimer heartbeat, PeriodicTimer push, CancellationToken cancellationToken)
    {
        var snapshotsOnly = pacing is not null;
        var nextChunk = subscription.ReadAsync(cancellationToken).AsTask();
        var nextBeat = heartbeat.WaitForNextTickAsync(cancellationToken).AsTask();
        var nextPush = snapshotsOnly ? push.WaitForNextTickAsync(cancellationToken).AsTask() : Task.Delay(Timeout.Infinite, cancellationToken);
        var changed = false;
        try
        {
            while (true)
            {
                var woke = await Task.WhenAny(nextChunk, nextBeat, nextPush);
                if (woke == nextChunk)
                {
                    var chunk = await nextChunk;
                    if (snapshotsOnly)
                    {
                        changed = true;
                    }
                    else
                    {
                        await subscriber.SendAsync(ReplicationMessages.Deltas(chunk, feed.AcknowledgedSequence), cancellationToken);
                    }

                    nextChunk = subscription.ReadAsync(cancellationToken).AsTask();
                }
                else if (woke == nextBeat)
                {
                    await nextBeat;
                    // Go standbys get Go's exact heartbeat; ours also learn how far the primary is.
                    await subscriber.SendAsync(snapshotsOnly ? ReplicationMessages.GoHeartbeat : ReplicationMessages.HeartbeatWith(feed.AcknowledgedSequence), cancellationToken);
                    nextBeat = heartbeat.WaitForNextTickAsync(cancellationToken).AsTask();
                }
                else
                {
                    await nextPush;
                    if (changed && pacing!.IsDue)
                    {
                        changed = false;
                        var started = time.GetTimestamp();
                        await SendSnapshotAsync(subscriber, await captureAcknowledged(cancellationToken), cancellationToken);
                        Paced(subscriber, pacing, started);
                    }

                    Interlocked.Increment(ref _pushTicks);
                    nextPush = push.WaitForNextTickAsync(cancellationToken).AsTask();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (System.Threading.Channels.ChannelClosedException ex)
        {
            // The feed ended the subscription: a lagging subscriber (it resubscribes) or a disposed feed.
            LogLagging(logger, subscriber.RemoteEndPoint, ex.InnerException?.Message ?? ex.Message);
        }
    }

    /// <summary>Sends <paramref name="snapshot"/> as one snapshot message, encoding it as the subscriber takes it.</summary>
    /// <remarks>
    /// Encoded twice: once to learn the frame's length, which leads the frame, then straight to the subscriber. Held
    /// whole, the message (55 MB at 324k nodes) made a subscription allocate ~140 MB on the primary and cost it a
    /// blocking full collection; streamed, 10-20 MB and none, and the standby is ready no later (docs/benchmarks.md).
    /// A snapshot that cannot be encoded fails in the first pass, before anything is sent.
    /// </remarks>
    private static async Task SendSnapshotAsync(ReplicationSubscriber subscriber, Snapshot snapshot, CancellationToken cancellationToken)
    {
        var length = ReplicationMessages.SnapshotLength(snapshot);
        await using var body = ProducedBody.Start(output => ReplicationMessages.WriteSnapshot(snapshot, output));
        await subscriber.SendAsync(length, body.Reader, cancellationToken);
    }

    /// <summary>Records a push to a snapshot-only standby that started at <paramref name="started"/>, and logs a new pace.</summary>
    private void Paced(ReplicationSubscriber subscriber, SnapshotPushPacing? pacing, long started)
    {
        if (pacing?.Pushed(started) is { } wait)
        {
            LogPaced(logger, subscriber.RemoteEndPoint, (long)(wait / (SnapshotPushPacing.CostFactor - 1)).TotalMilliseconds, wait.TotalSeconds);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "replication: a snapshot push to {Remote} (snapshots only, as a Go standby) takes {Cost} ms; the next waits {Wait:0.#} s after one ends, so that pushing takes at most a tenth of the time")]
    private static partial void LogPaced(ILogger logger, System.Net.IPEndPoint remote, long cost, double wait);

    [LoggerMessage(Level = LogLevel.Information, Message = "replication: {Remote} resumes from sequence {From} (history {History})")]
    private static partial void LogResume(ILogger logger, System.Net.IPEndPoint remote, ulong from, string history);

    [LoggerMessage(Level = LogLevel.Error, Message = "replication: {Remote} asked to resume from sequence {From} but its record {Sequence} differs from ours: its history diverged (two primaries took writes); refused, not streaming. Move that standby's data directory aside and start it fresh, or recover its records by hand")]
    private static partial void LogDiverged(ILogger logger, System.Net.IPEndPoint remote, ulong sequence, ulong from);

    [LoggerMessage(Level = LogLevel.Error, Message = "replication: {Remote} is on epoch {Epoch} and holds records up to {Last}, but this history left that epoch at sequence {Left} (a promotion): its history diverged; refused, not streaming. Move that standby's data directory aside and start it fresh, or recover its records by hand")]
    private static partial void LogDivergedEpoch(ILogger logger, System.Net.IPEndPoint remote, ulong epoch, ulong last, ulong left);

    [LoggerMessage(Level = LogLevel.Warning, Message = "replication: {Remote} sent something other than replication_ack; its confirmations are no longer read")]
    private static partial void LogUnexpectedFromStandby(ILogger logger, System.Net.IPEndPoint remote);

    [LoggerMessage(Level = LogLevel.Error, Message = "replication: {Remote} is on epoch {Epoch}, newer than this server's epoch {Own}: another server was promoted after this one stopped following it, so this server is superseded; refused")]
    private static partial void LogSuperseded(ILogger logger, System.Net.IPEndPoint remote, ulong epoch, ulong own);

    [LoggerMessage(Level = LogLevel.Information, Message = "replication: {Remote} asked for sequence {From}; sending a snapshot first ({Reason})")]
    private static partial void LogSnapshotNeeded(ILogger logger, System.Net.IPEndPoint remote, ulong from, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "replication: {Remote} fell behind and is disconnected to resubscribe: {Reason}")]
    private static partial void LogLagging(ILogger logger, System.Net.IPEndPoint remote, string reason);
}

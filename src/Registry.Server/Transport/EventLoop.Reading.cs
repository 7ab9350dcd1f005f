using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;
using Registry.Server.Dispatch;
using Registry.Server.Observability;
using Registry.Server.Protocol;
using Registry.Server.Security;

namespace Registry.Server.Transport;

/// <summary>Reading: receiving into a connection's buffer, cutting frames, dispatching requests.</summary>
internal sealed partial class EventLoop
{
    private void Receive(LoopConnection connection)
    {
        if (!connection.WantsRead)
        {
            return;
        }

        if (connection.InputEnd == connection.Input.Length && !MakeRoom(connection, connection.Buffered + 1024))
        {
            // A request is in flight and the client keeps sending: stop reading until its reply is out.
            connection.WantsRead = false;
            UpdateInterest(connection);
            return;
        }

        var received = Epoll.Receive(connection.Descriptor, connection.Input.AsSpan(connection.InputEnd));
        if (received > 0)
        {
            connection.InputEnd += received;
        }
        else if (received == 0)
        {
            connection.PeerClosed = true;
            connection.WantsRead = false;
            UpdateInterest(connection);
        }
        else if (received is -Epoll.EAGAIN or -Epoll.EINTR)
        {
            return;
        }
        else
        {
            TransportLog.SocketCallFailed(_logger, connection.Id, connection.Remote, -received);
            Close(connection, CloseReason.IoError);
            return;
        }

        if (!connection.InFlight)
        {
            Start(connection);
        }
    }

    /// <summary>Makes room for <paramref name="needed"/> buffered bytes; false when a request in flight pins the buffer and it is at its largest.</summary>
    private bool MakeRoom(LoopConnection connection, int needed)
    {
        var buffered = connection.Buffered;
        if (!connection.InFlight && connection.InputStart > 0)
        {
            // Nothing points into the buffer while no request is in flight.
            connection.Input.AsSpan(connection.InputStart, buffered).CopyTo(connection.Input);
            connection.InputStart = 0;
            connection.InputEnd = buffered;
        }

        if (connection.Input.Length - connection.InputStart >= needed)
        {
            return true;
        }

        var limit = 4 + Math.Min(_options.MaxFrameBytes, FrameReader.InlineParseLimit) + 1024;
        if (connection.InFlight && connection.Input.Length >= limit)
        {
            return false;
        }

        // A request in flight keeps the old array through its document; the buffered bytes move to the new one.
        var grown = new byte[Math.Max(needed, Math.Min(limit, connection.Input.Length * 2))];
        connection.Input.AsSpan(connection.InputStart, buffered).CopyTo(grown);
        connection.Input = grown;
        connection.InputStart = 0;
        connection.InputEnd = buffered;
        return true;
    }

    private void StartReady()
    {
        if (_ready.Count == 0)
        {
            return;
        }

        var ready = _ready.ToArray();
        _ready.Clear();
        foreach (var connection in ready)
        {
            if (!connection.Closed && !connection.InFlight)
            {
                Guarded(connection, static (loop, c, _) => loop.Start(c), 0);
            }
        }
    }

    /// <summary>Starts the next buffered request of an idle connection, or closes it when what is buffered says so.</summary>
    private void Start(LoopConnection connection)
    {
        var available = connection.Buffered;
        if (available < 4)
        {
            if (connection.PeerClosed)
            {
                if (available > 0)
                {
                    TransportLog.MalformedFrame(_logger, connection.Id, connection.Remote, FrameOutcome.Truncated, 0);
                }

                Close(connection, available == 0 ? CloseReason.PeerClosed : CloseReason.Malformed);
            }

            return;
        }

        var span = connection.Input.AsSpan(connection.InputStart, available);
        if (!connection.Detected)
        {
            if (span[..4].SequenceEqual(BinaryWire.Magic))
            {
                HandOff(connection);
                return;
            }

            connection.Detected = true;
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(span);
        var refused = length == 0 ? FrameOutcome.EmptyFrame : length > (uint)_options.MaxFrameBytes ? FrameOutcome.Oversize : (FrameOutcome?)null;
        if (refused is { } outcome)
        {
            TransportLog.MalformedFrame(_logger, connection.Id, connection.Remote, outcome, 0);
            Close(connection, CloseReason.Malformed);
            return;
        }

        if (length > FrameReader.InlineParseLimit)
        {
            // A large frame takes long to parse and is rare: the connection moves to a task of its own.
            HandOff(connection);
            return;
        }

        if (available < 4 + length)
        {
            if (connection.PeerClosed)
            {
                TransportLog.MalformedFrame(_logger, connection.Id, connection.Remote, FrameOutcome.Truncated, (int)length);
                Close(connection, CloseReason.Malformed);
            }
            else
            {
                MakeRoom(connection, 4 + (int)length);
            }

            return;
        }

        var frame = FrameReader.Parse(new ReadOnlySequence<byte>(connection.Input, connection.InputStart + 4, (int)length));
        if (!frame.IsRequest)
        {
            TransportLog.MalformedFrame(_logger, connection.Id, connection.Remote, frame.Outcome, frame.BodyLength);
            Close(connection, CloseReason.Malformed);
            return;
        }

        var type = RequestFields.GetRequestType(frame.Document!.RootElement);
        if (string.Equals(type, ReplicationHandshake.SubscribeType, StringComparison.Ordinal))
        {
            // A subscription streams for the connection's life; its frame stays buffered for the task that serves it.
            frame.Document.Dispose();
            HandOff(connection);
            return;
        }

        connection.InputStart += 4 + (int)length;
        Dispatch(connection, frame.Document, type);
    }

    private void Dispatch(LoopConnection connection, JsonDocument document, string type)
    {
        var decision = connection.Limiter.OnRequest();
        if (decision == RateDecision.Close)
        {
            document.Dispose();
            TransportLog.RateLimited(_logger, connection.Id, connection.Remote);
            Close(connection, CloseReason.RateLimited);
            return;
        }

        var context = connection.Context;
        context.RequestCount++;
        context.RequestType = type;
        connection.Started = _options.TimeProvider.GetTimestamp();
        connection.LastActivity = connection.Started;
        connection.InFlight = true;
        connection.Document = document;
        connection.Ticket.Reset();
        if (decision == RateDecision.Delay)
        {
            _ = DelayThenDispatchAsync(connection);
            return;
        }

        _dispatched = true;
        var pending = DispatchWithTicket(connection, _verifications);
        if (pending.IsCompletedSuccessfully)
        {
            (connection.Reply, connection.Outcome) = pending.Result;
            _batch.Add(connection);
        }
        else
        {
            _ = FinishAsync(connection, pending);
        }
    }

    /// <summary>Runs the connection's request with its ticket as <see cref="DeferredDurability.Current"/> (when replies wait for a commit) and <paramref name="verifications"/> as <see cref="VerificationBatch.Current"/> (on the loop's thread; null elsewhere).</summary>
    private ValueTask<(Response Response, DispatchOutcome Outcome)> DispatchWithTicket(LoopConnection connection, VerificationBatch? verifications)
    {
        // The connection's own context (its ticket as DeferredDurability.Current) for the request and everything that
        // continues from it; the thread's own context is put back afterwards.
        var own = ExecutionContext.Capture()!;
        ExecutionContext.Restore(connection.Flow!);
        VerificationBatch.Current = verifications;
        try
        {
            return _dispatcher.DispatchAsync(connection.Context, connection.Context.RequestType, connection.Document!.RootElement, _abortHandlers);
        }
        finally
        {
            VerificationBatch.Current = null;
            ExecutionContext.Restore(own);
        }
    }

    /// <summary>Captures the execution context the connection's requests run in, with its ticket as <see cref="DeferredDurability.Current"/> when replies wait for a commit.</summary>
    private void CaptureFlow(LoopConnection connection)
    {
        DeferredDurability.Current = _durability is null ? null : connection.Ticket;
        try
        {
            connection.Flow = ExecutionContext.Capture() ?? throw new InvalidOperationException("execution context flow is suppressed on the event loop's thread");
        }
        finally
        {
            DeferredDurability.Current = null;
        }
    }

    private async Task DelayThenDispatchAsync(LoopConnection connection)
    {
        try
        {
            await Task.Delay(connection.Limiter.ThrottleDelay, _options.TimeProvider, _abortHandlers).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Post(connection, Command.Cancelled);
            return;
        }

        // On the pool: its signature checks are made here, not in the loop's batch.
        await FinishAsync(connection, DispatchWithTicket(connection, verifications: null)).ConfigureAwait(false);
    }

    private async Task FinishAsync(LoopConnection connection, ValueTask<(Response Response, DispatchOutcome Outcome)> pending)
    {
        try
        {
            (connection.Reply, connection.Outcome) = await pending.ConfigureAwait(false);
            if (_runningVerifications && Thread.CurrentThread == _thread)
            {
                // Resumed by the pass's verification batch on this loop: the reply joins this pass's commit.
                Completed(connection);
            }
            else
            {
                Post(connection, Command.Completed);
            }
        }
        catch (OperationCanceledException)
        {
            Post(connection, Command.Cancelled);
        }
    }
}

using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Registry.Server.Dispatch;
using Registry.Server.Observability;
using Registry.Server.Protocol;

namespace Registry.Server.Transport;

/// <summary>One thread serving many plaintext JSON connections with epoll: read what is ready, run the requests, wait once for the log, send every reply.</summary>
/// <remarks>
/// <para>Why (docs/adr/0016): a request served by a task per connection costs a thread wake-up for its durability wait
/// and another for its reply, and on two shared cores those wake-ups were most of the server's CPU. Here one pass of
/// the loop reads every ready connection, dispatches their requests (bounded handlers finish at once, recording what
/// their reply waits for in a <see cref="DurabilityTicket"/>), waits once for the highest recorded position
/// (<see cref="IDurabilityWaiter"/>, a group commit shared by the whole pass), and only then sends the replies: the
/// model of Redis's event loop with <c>appendfsync always</c>.</para>
/// <para>Durability contract: a reply is sent only after <see cref="IDurabilityWaiter.WaitFor"/> returned for its
/// ticket; if the log failed first, a mutation's success reply is replaced by the storage failure text.</para>
/// <para>What it does not serve: the binary protocol, <c>subscribe_replication</c> and frames over
/// <see cref="FrameReader.InlineParseLimit"/> are handed, with the bytes already read, to a
/// <see cref="ClientConnection"/> (the listener's <c>handOff</c>). Handlers that do not finish at once (unbounded ones
/// run on the pool) complete later and are posted back; their replies still wait for their tickets.</para>
/// <para>Threading: everything but <see cref="Adopt"/>, <see cref="StopReading"/>, <see cref="Abort"/> and the
/// completions posted by handlers runs on the loop's own thread; those post to an inbox and signal an eventfd.</para>
/// </remarks>
internal sealed class EventLoop : IDisposable
{
    private const ulong WakeToken = 0;

    private readonly int _index;
    private readonly TransportOptions _options;
    private readonly RequestDispatcher _dispatcher;
    private readonly IDurabilityWaiter? _durability;
    private readonly ServerMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Action<LoopConnection, byte[]> _handOff;
    private readonly Action<LoopConnection> _ended;
    private readonly CancellationToken _abortHandlers;
    private readonly int _epoll;
    private readonly int _wake;
    private readonly ConcurrentQueue<(LoopConnection? Connection, Command Command)> _inbox = new();
    private readonly Dictionary<long, LoopConnection> _connections = [];
    private readonly List<LoopConnection> _batch = [];
    private readonly List<LoopConnection> _ready = [];
    private readonly ArrayBufferWriter<byte> _scratch = new(128);
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _thread;
    private readonly ITimer _tick;
    private readonly TimeSpan _tickPeriod;
    private int _signalled;
    private bool _stopping;
    private bool _exit;
    private bool _dispatched;

    public EventLoop(
        int index, TransportOptions options, RequestDispatcher dispatcher, IDurabilityWaiter? durability, ServerMetrics metrics, ILogger logger,
        Action<LoopConnection, byte[]> handOff, Action<LoopConnection> ended, CancellationToken abortHandlers)
    {
        _index = index;
        _options = options;
        _dispatcher = dispatcher;
        _durability = durability;
        _metrics = metrics;
        _logger = logger;
        _handOff = handOff;
        _ended = ended;
        _abortHandlers = abortHandlers;
        _epoll = Epoll.Create();
        _wake = Epoll.CreateEventFd();
        if (_epoll < 0 || _wake < 0 || Epoll.Control(_epoll, Epoll.Add, _wake, Epoll.In, WakeToken) != 0)
        {
            Dispose();
            throw new InvalidOperationException("epoll or eventfd could not be set up for the event loop.");
        }

        // One-shot, re-armed after each check: a clock moved far ahead (a test's fake clock) fires it once, not once per period.
        _tickPeriod = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond * 10, Math.Min(TimeSpan.TicksPerSecond, Math.Min(options.IdleTimeout.Ticks, options.WriteTimeout.Ticks) / 4)));
        _tick = options.TimeProvider.CreateTimer(static state => ((EventLoop)state!).Post(null, Command.Tick), this, _tickPeriod, Timeout.InfiniteTimeSpan);
        _thread = new Thread(Run) { IsBackground = true, Name = $"registry-loop-{index}" };
        _thread.Start();
    }

    private enum Command
    {
        Adopt,
        Completed,
        Cancelled,
        Tick,
        StopReading,
        Abort,
    }

    /// <summary>Completes when, after <see cref="StopReading"/>, no connection is left.</summary>
    public Task Drained => _drained.Task;

    /// <summary>Completes when the loop's thread has ended.</summary>
    public Task Exited => _exited.Task;

    /// <summary>Takes over a connection whose socket is non-blocking; from another thread.</summary>
    public void Adopt(LoopConnection connection) => Post(connection, Command.Adopt);

    /// <summary>Closes idle connections now and every other one once its request in flight is answered.</summary>
    public void StopReading() => Post(null, Command.StopReading);

    /// <summary>Closes every connection and ends the thread.</summary>
    public void Abort() => Post(null, Command.Abort);

    public void Dispose()
    {
        _tick?.Dispose();
        if (_wake >= 0)
        {
            Epoll.CloseDescriptor(_wake);
        }

        if (_epoll >= 0)
        {
            Epoll.CloseDescriptor(_epoll);
        }
    }

    private void Post(LoopConnection? connection, Command command)
    {
        _inbox.Enqueue((connection, command));
        if (Interlocked.Exchange(ref _signalled, 1) == 0)
        {
            Epoll.Signal(_wake);
        }
    }

    private void Run()
    {
        var events = new Epoll.Event[256];
        _durability?.AttachCommitter();
        try
        {
            while (!_exit)
            {
                var count = Epoll.Wait(_epoll, events, _ready.Count > 0 ? 0 : -1);
                for (var i = 0; i < count; i++)
                {
                    var token = events[i].Data;
                    if (token == WakeToken)
                    {
                        // Drain, then re-arm, then read the inbox: a post that found the flag set was enqueued before the
                        // re-arm and is read below; one that found it clear signalled again. Re-arming before the drain
                        // could swallow that signal and leave the flag set with nothing left to wake the loop.
                        Epoll.Drain(_wake);
                        Interlocked.Exchange(ref _signalled, 0);
                        RunInbox();
                    }
                    else if (_connections.TryGetValue((long)token, out var connection))
                    {
                        Guarded(connection, static (loop, c, e) => loop.OnEvents(c, e), events[i].Events);
                    }
                }

                StartReady();
                CompleteBatch();
            }
        }
#pragma warning disable CA1031 // A bug in the loop must close its connections, not kill the process silently.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            TransportLog.LoopFailed(_logger, ex, _index);
        }
        finally
        {
            foreach (var connection in _connections.Values.ToArray())
            {
                Close(connection, CloseReason.Shutdown);
            }

            _drained.TrySetResult();
            _exited.TrySetResult();
        }
    }

    private void Guarded(LoopConnection connection, Action<EventLoop, LoopConnection, uint> action, uint events)
    {
        try
        {
            action(this, connection, events);
        }
#pragma warning disable CA1031 // One connection's bug costs that connection.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            TransportLog.ConnectionCrashed(_logger, ex, connection.Id);
            Close(connection, CloseReason.IoError);
        }
    }

    private void RunInbox()
    {
        while (_inbox.TryDequeue(out var item))
        {
            var connection = item.Connection;
            switch (item.Command)
            {
                case Command.Adopt:
                    AdoptNow(connection!);
                    break;
                case Command.Completed when connection!.Closed:
                    DisposeRequest(connection);
                    break;
                case Command.Completed:
                    _batch.Add(connection);
                    break;
                case Command.Cancelled:
                    DisposeRequest(connection!);
                    Close(connection!, CloseReason.Shutdown);
                    break;
                case Command.Tick:
                    Tick();
                    break;
                case Command.StopReading:
                    BeginStop();
                    break;
                case Command.Abort:
                    _exit = true;
                    break;
            }
        }
    }

    private void AdoptNow(LoopConnection connection)
    {
        _connections[connection.Id] = connection;
        if (_stopping || Epoll.Control(_epoll, Epoll.Add, (int)connection.Descriptor, Epoll.In | Epoll.ReadHangUp, (ulong)connection.Id) != 0)
        {
            Close(connection, CloseReason.Shutdown);
        }
    }

    private void OnEvents(LoopConnection connection, uint events)
    {
        if ((events & Epoll.Out) != 0)
        {
            Send(connection);
        }

        if (connection.Closed)
        {
            return;
        }

        if ((events & (Epoll.Error | Epoll.HangUp)) != 0 && connection.InFlight)
        {
            // Nothing more can be read; the reply in flight will find out whether it can still be sent.
            connection.PeerClosed = true;
            connection.WantsRead = false;
            UpdateInterest(connection);
            return;
        }

        if ((events & (Epoll.In | Epoll.ReadHangUp | Epoll.Error | Epoll.HangUp)) != 0)
        {
            Receive(connection);
        }
    }

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
        connection.RequestType = type;
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

        ValueTask<(Response Response, DispatchOutcome Outcome)> pending;
        _dispatched = true;
        DeferredDurability.Current = _durability is null ? null : connection.Ticket;
        try
        {
            pending = _dispatcher.DispatchAsync(context, type, document.RootElement, _abortHandlers);
        }
        finally
        {
            DeferredDurability.Current = null;
        }

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

    private async Task DelayThenDispatchAsync(LoopConnection connection)
    {
        try
        {
            await Task.Delay(connection.Limiter.ThrottleDelay, _options.TimeProvider, _abortHandlers).ConfigureAwait(false);
            DeferredDurability.Current = _durability is null ? null : connection.Ticket;
            (connection.Reply, connection.Outcome) = await _dispatcher.DispatchAsync(
                connection.Context, connection.RequestType, connection.Document!.RootElement, _abortHandlers).ConfigureAwait(false);
            Post(connection, Command.Completed);
        }
        catch (OperationCanceledException)
        {
            Post(connection, Command.Cancelled);
        }
    }

    private async Task FinishAsync(LoopConnection connection, ValueTask<(Response Response, DispatchOutcome Outcome)> pending)
    {
        try
        {
            (connection.Reply, connection.Outcome) = await pending.ConfigureAwait(false);
            Post(connection, Command.Completed);
        }
        catch (OperationCanceledException)
        {
            Post(connection, Command.Cancelled);
        }
    }

    /// <summary>Waits once for everything the batch's replies rely on, then sends them.</summary>
    private void CompleteBatch()
    {
        if (_batch.Count == 0 && !_dispatched)
        {
            return;
        }

        ulong acknowledged = 0, covered = 0;
        foreach (var connection in _batch)
        {
            acknowledged = Math.Max(acknowledged, connection.Ticket.Acknowledged);
            covered = Math.Max(covered, connection.Ticket.Covered);
        }

        // Every pass that dispatched commits: a handler that went asynchronous may wait for what it appended here.
        string? failure = null;
        var unknown = false;
        try
        {
            failure = _durability is not null && (_dispatched || (acknowledged | covered) != 0) ? _durability.WaitFor(acknowledged, covered) : null;
        }
#pragma warning disable CA1031 // A bug behind the wait must cost this batch's replies, not the loop and every connection on it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            TransportLog.CommitFailed(_logger, ex, _batch.Count);
            unknown = true;
        }

        _dispatched = false;
        var failed = 0;
        var now = _options.TimeProvider.GetTimestamp();
        foreach (var connection in _batch)
        {
            var response = connection.Reply;
            var outcome = connection.Outcome;
            if (unknown && !connection.Ticket.IsEmpty)
            {
                // Whether its change (or what it read) is durable is unknown: not a success.
                response = Response.Failure(ErrorSanitizer.RequestFailed);
                outcome = DispatchOutcome.Fault;
            }
            else if (failure is not null && connection.Ticket.Acknowledged != 0 && !response.IsError
                && _durability!.WaitFor(connection.Ticket.Acknowledged, 0) is { } text)
            {
                // Only the replies whose own change did not become durable: the wait above was for the highest.
                response = Response.Failure(text);
                outcome = DispatchOutcome.Error;
                failed++;
            }

            _metrics.RecordRequest(connection.RequestType, outcome, _options.TimeProvider.GetElapsedTime(connection.Started, now));
            DisposeRequest(connection);
            if (connection.Closed)
            {
                continue;
            }

            FrameWriter.Encode(connection.Output, response, _scratch);
            connection.LastActivity = now;
            if (response.CloseAfter || _stopping)
            {
                connection.CloseAfterSend = true;
                connection.CloseReason = response.CloseAfter ? CloseReason.Requested : CloseReason.Shutdown;
            }

            Send(connection);
            if (!connection.Closed && !connection.CloseAfterSend)
            {
                if (!connection.WantsRead && !connection.PeerClosed)
                {
                    connection.WantsRead = true;
                    UpdateInterest(connection);
                }

                if (connection.Buffered > 0 || connection.PeerClosed)
                {
                    _ready.Add(connection);
                }
            }
        }

        _batch.Clear();
        if (failed > 0)
        {
            TransportLog.RepliesFailed(_logger, failed);
        }
    }

    private static void DisposeRequest(LoopConnection connection)
    {
        connection.Document?.Dispose();
        connection.Document = null;
        connection.Reply = default;
        connection.InFlight = false;
    }

    private void Send(LoopConnection connection)
    {
        while (connection.HasOutput)
        {
            var sent = Epoll.Send(connection.Descriptor, connection.Output.WrittenSpan[connection.OutputSent..]);
            if (sent > 0)
            {
                connection.OutputSent += sent;
            }
            else if (sent == -Epoll.EINTR)
            {
                continue;
            }
            else if (sent == -Epoll.EAGAIN)
            {
                if (connection.WriteBlockedSince == 0)
                {
                    connection.WriteBlockedSince = _options.TimeProvider.GetTimestamp();
                }

                if (!connection.WantsWrite)
                {
                    connection.WantsWrite = true;
                    UpdateInterest(connection);
                }

                return;
            }
            else
            {
                TransportLog.SocketCallFailed(_logger, connection.Id, connection.Remote, -sent);
                Close(connection, CloseReason.IoError);
                return;
            }
        }

        connection.ResetOutput();
        connection.WriteBlockedSince = 0;
        if (connection.WantsWrite)
        {
            connection.WantsWrite = false;
            UpdateInterest(connection);
        }

        if (connection.CloseAfterSend)
        {
            Close(connection, connection.CloseReason);
        }
    }

    private void UpdateInterest(LoopConnection connection)
    {
        var events = (connection.WantsRead ? Epoll.In | Epoll.ReadHangUp : 0) | (connection.WantsWrite ? Epoll.Out : 0);
        _ = Epoll.Control(_epoll, Epoll.Modify, (int)connection.Descriptor, events, (ulong)connection.Id);
    }

    private void HandOff(LoopConnection connection)
    {
        Detach(connection);
        _handOff(connection, connection.Input.AsSpan(connection.InputStart, connection.Buffered).ToArray());
    }

    private void Close(LoopConnection connection, CloseReason reason)
    {
        if (connection.Closed)
        {
            return;
        }

        Detach(connection);
        if (!connection.InFlight)
        {
            DisposeRequest(connection);
        }

        connection.Socket.Dispose();
        _metrics.ConnectionClosed(reason);
        _ended(connection);
    }

    private void Detach(LoopConnection connection)
    {
        connection.Closed = true;
        _ = Epoll.Control(_epoll, Epoll.Delete, (int)connection.Descriptor, 0, 0);
        _connections.Remove(connection.Id);
        if (_stopping && _connections.Count == 0)
        {
            _drained.TrySetResult();
        }
    }

    private void Tick()
    {
        var time = _options.TimeProvider;
        var now = time.GetTimestamp();
        foreach (var connection in _connections.Values.ToArray())
        {
            if (connection.WriteBlockedSince != 0 && time.GetElapsedTime(connection.WriteBlockedSince, now) >= _options.WriteTimeout)
            {
                Close(connection, CloseReason.WriteTimeout);
            }
            else if (!connection.InFlight && !connection.HasOutput && time.GetElapsedTime(connection.LastActivity, now) >= _options.IdleTimeout)
            {
                Close(connection, CloseReason.IdleTimeout);
            }
        }

        _tick.Change(_tickPeriod, Timeout.InfiniteTimeSpan);
    }

    private void BeginStop()
    {
        _stopping = true;
        foreach (var connection in _connections.Values.ToArray())
        {
            if (!connection.InFlight && !connection.HasOutput)
            {
                Close(connection, CloseReason.Shutdown);
            }
            else
            {
                connection.CloseAfterSend = true;
                connection.CloseReason = CloseReason.Shutdown;
            }
        }

        if (_connections.Count == 0)
        {
            _drained.TrySetResult();
        }
    }
}

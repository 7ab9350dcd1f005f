using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Registry.Server.Dispatch;
using Registry.Server.Observability;
using Registry.Server.Protocol;
using Registry.Server.Security;

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
internal sealed partial class EventLoop : IDisposable
{
    private const ulong WakeToken = 0;

    /// <summary>How many more times a pass that dispatched something looks for newly ready connections before it commits.</summary>
    private const int MaxExtraPolls = 8;

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
    private readonly VerificationBatch _verifications;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _thread;
    private readonly ITimer _tick;
    private readonly TimeSpan _tickPeriod;
    private int _signalled;
    private bool _stopping;
    private bool _exit;
    private bool _dispatched;
    private bool _runningVerifications;

    public EventLoop(
        int index, TransportOptions options, RequestDispatcher dispatcher, ServerMetrics metrics, ILogger logger,
        Action<LoopConnection, byte[]> handOff, Action<LoopConnection> ended, CancellationToken abortHandlers)
    {
        _index = index;
        _options = options;
        _dispatcher = dispatcher;
        _durability = options.Durability;
        _metrics = metrics;
        _logger = logger;
        _handOff = handOff;
        _ended = ended;
        _abortHandlers = abortHandlers;
        _verifications = new VerificationBatch($"registry-verify-{index}");
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
        _verifications.Dispose();
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
                HandleEvents(events, count);

                // Requests that arrived while this pass ran join it before the commit: one fsync shared by more requests
                // (passes of ~36 registers became ~55 with 64 clients: register +6%, better in 16 of 18 alternating rounds).
                // Bounded, so the first requests of a pass wait at most a few more reads for their reply. Not when
                // signature checks wait: that pass is dominated by Ed25519, and reading more only delays the helper.
                for (var extra = 0; extra < MaxExtraPolls && _dispatched && _verifications.Count == 0 && (count = Epoll.Wait(_epoll, events, 0)) > 0; extra++)
                {
                    HandleEvents(events, count);
                }

                StartReady();
                RunVerifications();
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

    private void HandleEvents(Epoll.Event[] events, int count)
    {
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
                case Command.Completed:
                    Completed(connection!);
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

    /// <summary>A request that finished asynchronously: its reply joins the pass's batch, unless its connection is gone.</summary>
    private void Completed(LoopConnection connection)
    {
        if (connection.Closed)
        {
            DisposeRequest(connection);
        }
        else
        {
            _batch.Add(connection);
        }
    }

    /// <summary>Computes the signature checks the pass's requests asked for; their handlers resume here and their replies join the batch.</summary>
    private void RunVerifications()
    {
        if (_verifications.Count == 0)
        {
            return;
        }

        _runningVerifications = true;
        try
        {
            _verifications.Run();
        }
        finally
        {
            _runningVerifications = false;
        }
    }

    private void AdoptNow(LoopConnection connection)
    {
        CaptureFlow(connection);
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

using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Registry.Server.Dispatch;
using Registry.Server.Observability;

namespace Registry.Server.Transport;

/// <summary>The TCP listener of the client protocol: accepts connections and runs each on its own task.</summary>
/// <remarks>
/// Threading: one accept loop; every connection is an independent task, so connections proceed in parallel and
/// share nothing but the frozen dispatcher and the thread-safe metrics (no global lock).
/// Lifecycle: <see cref="Reserve"/> (or <see cref="Start"/>) binds synchronously so that "address in use" surfaces to the caller at startup;
/// <see cref="StopAsync"/> stops accepting, ends idle reads at once, waits up to <see cref="TransportOptions.DrainTimeout"/>
/// for requests in flight, then aborts what is left.
/// Failure policy: after 10 consecutive accept errors the loop gives up and <see cref="Completion"/> faults, so the
/// host can stop instead of running deaf.
/// </remarks>
public sealed class RegistryListener : IAsyncDisposable
{
    private const int MaxConsecutiveAcceptErrors = 10;

    private readonly TransportOptions _options;
    private readonly RequestDispatcher _dispatcher;
    private readonly IReplicationSource? _replication;
    private readonly ServerMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<long, (ClientConnection Connection, Task Run)> _connections = new();
    private readonly CancellationTokenSource _stopReading = new();
    private readonly CancellationTokenSource _abort = new();
    private EventLoop[] _loops = [];
    private int _loopConnections;
    private Socket? _socket;
    private Task _acceptLoop = Task.CompletedTask;
    private long _nextId;
    private int _stopped;

    /// <summary>Creates a listener that is not yet bound.</summary>
    public RegistryListener(TransportOptions options, RequestDispatcher dispatcher, IReplicationSource? replication, ServerMetrics metrics, ILogger<RegistryListener> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dispatcher);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _dispatcher = dispatcher;
        _replication = replication;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>The bound address (with the real port when 0 was configured); null before <see cref="Start"/>.</summary>
    public IPEndPoint? LocalEndPoint => _socket?.LocalEndPoint as IPEndPoint;

    /// <summary>Completes when the accept loop ends; faults if it gave up on accept errors.</summary>
    public Task Completion => _acceptLoop;

    /// <summary>Open connections right now.</summary>
    public int ConnectionCount => _connections.Count + Volatile.Read(ref _loopConnections);

    /// <summary>The number of event-loop threads serving connections; 0 when every connection has a task of its own.</summary>
    public int EventLoopCount => _loops.Length;

    /// <summary>Binds and listens on <paramref name="endPoint"/> without accepting (connections wait in the kernel backlog until <see cref="Start"/> takes the socket); throws <see cref="SocketException"/> when the address cannot be bound.</summary>
    /// <remarks>
    /// The host reserves its port before recovery, so that a port held by another process fails the start before the
    /// data directory is touched. Listening, not just binding, is what holds the port: .NET binds TCP sockets with
    /// SO_REUSEADDR on Unix, and two such sockets may share a port until one of them listens.
    /// </remarks>
    public static Socket Reserve(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // No SO_REUSEPORT: a second server on the same port must fail, not share it.
            socket.Bind(endPoint);
            socket.Listen(512);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return socket;
    }

    /// <summary>Freezes the dispatcher and starts accepting on <paramref name="reserved"/> (which it then owns), or on a socket it binds to the configured address; throws <see cref="SocketException"/> when the address cannot be bound.</summary>
    public void Start(Socket? reserved = null)
    {
        if (_socket is not null)
        {
            throw new InvalidOperationException("The listener is already started.");
        }

        var socket = reserved ?? Reserve(_options.ListenEndPoint);
        _socket = socket;
        _dispatcher.Freeze();
        if (_options.EventLoops > 0 && _options.TlsCertificate is null && Epoll.IsSupported)
        {
            _loops = new EventLoop[_options.EventLoops];
            for (var i = 0; i < _loops.Length; i++)
            {
                _loops[i] = new EventLoop(i, _options, _dispatcher, _metrics, _logger, HandOff, Ended, _abort.Token);
            }
        }

        _acceptLoop = AcceptLoopAsync(socket, _stopReading.Token);
    }

    /// <summary>Stops accepting, lets requests in flight finish within the drain timeout (or until <paramref name="cancellationToken"/>), then aborts the rest.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        await _stopReading.CancelAsync();
        _socket?.Dispose();
        try
        {
            await _acceptLoop;
        }
#pragma warning disable CA1031 // The accept loop's fault was already logged; stopping must go on.
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        foreach (var loop in _loops)
        {
            loop.StopReading();
        }

        var running = _connections.Values.Select(c => c.Run).Concat(_loops.Select(l => l.Drained)).ToArray();
        var drained = Task.WhenAll(running);
        try
        {
            await drained.WaitAsync(_options.DrainTimeout, _options.TimeProvider, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            TransportLog.DrainTimedOut(_logger, _connections.Count);
        }

        await _abort.CancelAsync();
        foreach (var loop in _loops)
        {
            loop.Abort();
        }

        foreach (var (connection, _) in _connections.Values)
        {
            connection.Abort();
        }

        // A loop blocked on a log that never answers cannot end; the process exits around it.
        await Task.WhenAll(_loops.Select(l => l.Exited)).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var loop in _loops.Where(l => l.Exited.IsCompleted))
        {
            loop.Dispose();
        }

        // Aborted sockets fail their pending I/O promptly; this wait is short and bounded by the socket teardown.
        await Task.WhenAll(_connections.Values.Select(c => c.Run).ToArray()).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Stops the listener (with the default drain) and releases its resources.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _stopReading.Dispose();
        _abort.Dispose();
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken stopping)
    {
        var errors = 0;
        var throttle = new AcceptThrottle(_options.TimeProvider, _options.WarmUpWindow, _options.WarmUpAcceptsPerSecond);
        var wait = TimeSpan.Zero;
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                if (wait > TimeSpan.Zero)
                {
                    // Pausing before the next accept (never delaying one already accepted) leaves the storm queued in the kernel backlog.
                    await Task.Delay(wait, _options.TimeProvider, stopping);
                }

                client = await listener.AcceptAsync(stopping);
                errors = 0;
                wait = throttle.DelayBeforeNextAccept();
            }
            catch (Exception) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex)
            {
                errors++;
                TransportLog.AcceptFailed(_logger, ex, errors);
                if (errors >= MaxConsecutiveAcceptErrors)
                {
                    TransportLog.AcceptGaveUp(_logger, errors);
                    throw;
                }

                continue;
            }

            if (ConnectionCount >= _options.MaxConnections)
            {
                // §1.1: above the cap a connection is accepted and closed at once, with no message.
                _metrics.ConnectionRejected();
                client.Dispose();
                continue;
            }

            ClientConnection? connection = null;
            LoopConnection? looped = null;
            var id = Interlocked.Increment(ref _nextId);
            try
            {
                client.NoDelay = true;
                if (_options.SocketBufferBytes is { } size)
                {
                    client.ReceiveBufferSize = size;
                    client.SendBufferSize = size;
                }

                if (_loops.Length > 0)
                {
                    client.Blocking = false;
                    var remote = client.RemoteEndPoint as IPEndPoint ?? new IPEndPoint(IPAddress.None, 0);
                    var time = _options.TimeProvider;
                    looped = new LoopConnection(id, client, new RequestContext(id, remote, time.GetUtcNow()), new ConnectionRateLimiter(time, _options.RateRule), time.GetTimestamp());
                }
                else
                {
                    connection = new ClientConnection(id, client, _options, _dispatcher, _replication, _metrics, _logger);
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // A peer that resets between accept and setup must cost one socket, never the accept loop.
                TransportLog.SetupFailed(_logger, ex, id);
                client.Dispose();
                continue;
            }

            _metrics.ConnectionOpened();
            if (looped is not null)
            {
                Interlocked.Increment(ref _loopConnections);
                _loops[(int)(id % _loops.Length)].Adopt(looped);
            }
            else
            {
                Track(connection!);
            }
        }
    }

    private void Track(ClientConnection connection)
    {
        // Registered before it starts so StopAsync always sees it; removal happens when it ends.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _connections[connection.Id] = (connection, RunConnectionAsync(connection, gate.Task));
        gate.SetResult();
    }

    /// <summary>Takes a connection over from an event loop (the binary protocol, a subscription, a large frame): a task of its own, starting with the bytes the loop read.</summary>
    private void HandOff(LoopConnection looped, byte[] prefix)
    {
        try
        {
            looped.Socket.Blocking = true;
            Track(new ClientConnection(looped.Id, looped.Socket, _options, _dispatcher, _replication, _metrics, _logger, prefix));
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            TransportLog.SetupFailed(_logger, ex, looped.Id);
            looped.Socket.Dispose();
            _metrics.ConnectionClosed(CloseReason.IoError);
        }
        finally
        {
            Interlocked.Decrement(ref _loopConnections);
        }
    }

    private void Ended(LoopConnection looped) => Interlocked.Decrement(ref _loopConnections);

    private async Task RunConnectionAsync(ClientConnection connection, Task registered)
    {
        await registered;
        try
        {
            await connection.RunAsync(_stopReading.Token, _abort.Token);
        }
#pragma warning disable CA1031 // A bug in one connection must not become an unobserved task exception or touch others.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            TransportLog.ConnectionCrashed(_logger, ex, connection.Id);
        }
        finally
        {
            _connections.TryRemove(connection.Id, out _);
        }
    }
}

using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Registry.Server.Dispatch;
using Registry.Server.Observability;
using Registry.Server.Protocol;

namespace Registry.Server.Transport;

/// <summary>One client connection: read a frame, dispatch it, write the reply, strictly in order (§1.1).</summary>
/// <remarks>
/// Threading: one task runs <see cref="RunAsync"/>; nothing else touches the socket except <see cref="Abort"/>.
/// Shutdown has two steps: <c>stopReading</c> ends the wait for the next request at once, while a request already
/// being handled keeps running until <c>abort</c> fires (the listener's drain deadline).
/// With TLS configured the stream is an <see cref="SslStream"/> whose handshake must finish within the idle timeout.
/// Failure policy: a failed or late TLS handshake, a malformed frame, an idle timeout, a write timeout, a socket error or the rate rule closes the
/// connection without a reply and is counted by reason; nothing here throws to the listener.
/// </remarks>
internal sealed class ClientConnection
{
    private readonly Socket _socket;
    private readonly TransportOptions _options;
    private readonly RequestDispatcher _dispatcher;
    private readonly IReplicationSource? _replication;
    private readonly ServerMetrics _metrics;
    private readonly ILogger _logger;
    private readonly RequestContext _context;
    private readonly IPEndPoint _remote;
    private readonly long _id;
    private readonly byte[]? _prefix;

    /// <summary>A connection on <paramref name="socket"/>; <paramref name="prefix"/> holds bytes an event loop already read from it.</summary>
    public ClientConnection(
        long id, Socket socket, TransportOptions options, RequestDispatcher dispatcher, IReplicationSource? replication, ServerMetrics metrics, ILogger logger, byte[]? prefix = null)
    {
        _prefix = prefix;
        _socket = socket;
        _options = options;
        _dispatcher = dispatcher;
        _replication = replication;
        _metrics = metrics;
        _logger = logger;
        _remote = socket.RemoteEndPoint as IPEndPoint ?? new IPEndPoint(IPAddress.None, 0);
        _id = id;
        _context = new RequestContext(id, _remote, options.TimeProvider.GetUtcNow());
    }

    public long Id => _id;

    /// <summary>Closes the socket under a running connection; its pending I/O fails and <see cref="RunAsync"/> returns.</summary>
    public void Abort() => _socket.Dispose();

    public async Task RunAsync(CancellationToken stopReading, CancellationToken abort)
    {
        await using var network = new NetworkStream(_socket, ownsSocket: true);
        var handshakeReads = _options.TlsCertificate is null ? null : new HandshakeStream(network);
        await using var tls = handshakeReads is null ? null : new SslStream(handshakeReads, leaveInnerStreamOpen: true);
        if (tls is not null)
        {
            CloseReason? failed = CloseReason.IoError;
            try
            {
                failed = await HandshakeAsync(tls, _options.TlsCertificate!, stopReading);
                handshakeReads!.ResumeOnPool = false;
            }
            finally
            {
                if (failed is { } reason)
                {
                    _metrics.ConnectionClosed(reason);
                }
            }

            if (failed is not null)
            {
                return;
            }
        }

        // The plaintext path reads the NetworkStream directly: TLS off costs nothing per request.
        var plain = _prefix is { Length: > 0 } prefix ? new PrefixedStream(prefix, network) : (Stream)network;
        await RunOverAsync(tls ?? plain, stopReading, abort);
    }

    /// <summary>Runs the server side of the TLS handshake within the idle timeout; returns why the connection must close, or null when it succeeded.</summary>
    private async Task<CloseReason?> HandshakeAsync(SslStream tls, SslStreamCertificateContext certificate, CancellationToken stopReading)
    {
        // A peer that connects and sends nothing must not hold the connection: the handshake gets the idle timeout.
        using var deadline = new CancellationTokenSource(_options.IdleTimeout, _options.TimeProvider);
        using var token = CancellationTokenSource.CreateLinkedTokenSource(stopReading, deadline.Token);

        // Closing the socket ends a pending handshake read for sure; cancelling the token alone is best effort inside SslStream.
        using var closeOnDeadline = deadline.Token.UnsafeRegister(static state => ((ClientConnection)state!).Abort(), this);
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = certificate,
            ClientCertificateRequired = false,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        try
        {
            await tls.AuthenticateAsServerAsync(options, token.Token);
            return null;
        }
        catch (Exception) when (stopReading.IsCancellationRequested && !deadline.IsCancellationRequested)
        {
            return CloseReason.Shutdown;
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            TransportLog.TlsHandshakeFailed(_logger, ex, _id, _remote);
            return CloseReason.TlsHandshake;
        }
    }

    private async Task RunOverAsync(Stream stream, CancellationToken stopReading, CancellationToken abort)
    {
        var reason = CloseReason.IoError;
        var input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true));
        var output = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 4096, leaveOpen: true));
        try
        {
            reason = await ServeAsync(input, output, stopReading, abort);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested || stopReading.IsCancellationRequested)
        {
            reason = CloseReason.Shutdown;
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            reason = CloseReason.IoError;
            TransportLog.ConnectionFailed(_logger, ex, _id, _remote);
        }
        finally
        {
            _metrics.ConnectionClosed(reason);
            await CompleteQuietlyAsync(input, output);
        }
    }

    private static async ValueTask CompleteQuietlyAsync(PipeReader input, PipeWriter output)
    {
        await input.CompleteAsync();
        try
        {
            // Completing the writer flushes what is buffered; after a write timeout or reset that fails, and there is nobody left to tell.
            await output.CompleteAsync();
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    private async Task<CloseReason> ServeAsync(PipeReader input, PipeWriter output, CancellationToken stopReading, CancellationToken abort)
    {
        var time = _options.TimeProvider;
        var reader = new FrameReader(input, _options.MaxFrameBytes);
        var writer = new FrameWriter(output);
        var limiter = new ConnectionRateLimiter(time, _options.RateRule);

        // Timers are made once per connection and re-armed per request: no allocation per request for timeouts.
        using var idle = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        using var readToken = CancellationTokenSource.CreateLinkedTokenSource(stopReading, idle.Token);

        // A write deadline closes the socket, as Go's SetWriteDeadline does. Cancelling the pipe's flush instead would
        // leave a pending-flush cancellation behind when the timer fires just after a write completes, failing the next reply.
        using var writeTimer = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        using var writeDeadline = writeTimer.Token.UnsafeRegister(static state => ((ClientConnection)state!).Abort(), this);

        // The first bytes choose the protocol (§1.3); the JSON protocol's bytes stay in the pipe for the frame reader.
        idle.CancelAfter(_options.IdleTimeout);
        ProtocolPreamble preamble;
        try
        {
            preamble = await reader.DetectAsync(readToken.Token);
        }
        catch (OperationCanceledException) when (idle.IsCancellationRequested)
        {
            return CloseReason.IdleTimeout;
        }

        switch (preamble.Kind)
        {
            case PreambleKind.EndOfStream:
                return CloseReason.PeerClosed;
            case PreambleKind.Truncated:
                TransportLog.MalformedFrame(_logger, _id, _remote, FrameOutcome.Truncated, 0);
                return CloseReason.Malformed;
            case PreambleKind.Binary when preamble.Version != BinaryWire.Version:
                TransportLog.UnsupportedWireVersion(_logger, _id, _remote, preamble.Version);
                writeTimer.CancelAfter(_options.WriteTimeout);
                await writer.WriteBinaryErrorAsync(BinaryWire.UnsupportedVersion(preamble.Version), abort);
                return CloseReason.Malformed;
        }

        var binary = preamble.Kind == PreambleKind.Binary;
        while (true)
        {
            idle.CancelAfter(_options.IdleTimeout);
            FrameReadResult frame;
            try
            {
                frame = binary ? await reader.ReadBinaryAsync(readToken.Token) : await reader.ReadAsync(readToken.Token);
            }
            catch (OperationCanceledException) when (idle.IsCancellationRequested)
            {
                return CloseReason.IdleTimeout;
            }

            idle.CancelAfter(Timeout.InfiniteTimeSpan);
            if (!frame.IsRequest)
            {
                if (frame.Outcome == FrameOutcome.EndOfStream)
                {
                    return CloseReason.PeerClosed;
                }

                TransportLog.MalformedFrame(_logger, _id, _remote, frame.Outcome, frame.BodyLength);
                return CloseReason.Malformed;
            }

            using var document = frame.Document;
            var json = frame.MessageType == BinaryWire.Json;
            var type = json ? RequestFields.GetRequestType(document!.RootElement) : BinaryWire.MetricName(frame.MessageType);

            // Intercepted before the rate rule and the standby gate, so even a standby can feed subscribers (§5).
            var subscribe = json && string.Equals(type, ReplicationHandshake.SubscribeType, StringComparison.Ordinal);
            if (subscribe && !binary)
            {
                var request = document!.RootElement;
                var error = ReplicationHandshake.Check(request, _options.ReplicationToken());
                var fromSequence = ReplicationHandshake.FromSequence(request);
                var previousChecksum = ReplicationHandshake.PreviousChecksum(request);
                var epoch = ReplicationHandshake.Epoch(request);
                var standbyId = ReplicationHandshake.StandbyId(request);
                document.Dispose();
                reader.Release();

                // A subscription runs for the connection's life and may start by encoding a whole snapshot.
                await EngineThread.Leave();
                await SubscribeAsync(error, (fromSequence, previousChecksum, epoch, standbyId), input, writer, stopReading, abort);
                return CloseReason.Replication;
            }

            switch (limiter.OnRequest())
            {
                case RateDecision.Close:
                    TransportLog.RateLimited(_logger, _id, _remote);
                    return CloseReason.RateLimited;
                case RateDecision.Delay:
                    await Task.Delay(limiter.ThrottleDelay, time, abort);
                    break;
            }

            _context.RequestCount++;
            _context.RequestType = type;
            var started = time.GetTimestamp();
            var (response, outcome) = subscribe ? (Response.Failure(BinaryWire.ReplicationNotSupported), DispatchOutcome.Error)
                : json ? await _dispatcher.DispatchAsync(_context, type, document!.RootElement, abort)
                : await _dispatcher.DispatchBinaryAsync(_context, frame.MessageType, frame.Payload, abort);
            _metrics.RecordRequest(type, outcome, time.GetElapsedTime(started));

            writeTimer.CancelAfter(_options.WriteTimeout);
            try
            {
                if (binary)
                {
                    // The refused subscription is answered as the protocol says: a 0xFF frame, not JSON inside 0x00.
                    await writer.WriteBinaryAsync(response, jsonPassthrough: json && !subscribe, abort);
                }
                else
                {
                    await writer.WriteAsync(response, abort);
                }
            }
            catch (Exception ex) when (writeTimer.IsCancellationRequested && ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return CloseReason.WriteTimeout;
            }

            writeTimer.CancelAfter(Timeout.InfiniteTimeSpan);
            if (response.CloseAfter)
            {
                return CloseReason.Requested;
            }
        }
    }

    private async Task SubscribeAsync(string? error, (ulong? From, uint? PreviousChecksum, ulong? Epoch, string? StandbyId) resume, PipeReader input, FrameWriter writer, CancellationToken stopReading, CancellationToken abort)
    {
        if (error is null && _replication is null)
        {
            // A token without a source is a wiring mistake; the subscriber sees the same text as an unconfigured server.
            TransportLog.NoReplicationSource(_logger, _remote);
            error = ReplicationHandshake.NotConfigured;
        }

        if (error is not null)
        {
            TransportLog.ReplicationRefused(_logger, _remote, error);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(abort);
            timeout.CancelAfter(_options.WriteTimeout);
            await writer.WriteRawErrorAsync(error, timeout.Token);
            return;
        }

        TransportLog.ReplicationSubscribed(_logger, _remote);
        var subscriber = new ReplicationSubscriber(writer, input, _remote, _options.ReplicationWriteTimeout, _options.TimeProvider, Abort, resume.From, resume.PreviousChecksum, resume.Epoch, resume.StandbyId);

        // A subscription has no request in flight to drain, so it ends as soon as the server stops reading.
        await _replication!.ServeAsync(subscriber, stopReading);
    }
}

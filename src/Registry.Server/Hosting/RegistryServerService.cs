using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Registry.Server.Dispatch;
using Registry.Server.Observability;
using Registry.Server.Security;
using Registry.Server.Transport;

namespace Registry.Server.Hosting;

/// <summary>Runs the registry inside the Generic Host: backend, client listener and metrics endpoint, started and stopped in order.</summary>
/// <remarks>
/// Start: client port bound and listening → metrics endpoint → backend (recovery) → handlers → accepting, so a port in
/// use fails the start before the data directory is touched. Stop: listener (drain) → metrics → backend, so the final
/// snapshot sees every acknowledged request. Any start failure becomes a
/// <see cref="ServerStartupException"/> whose message is the single log line (see <see cref="RegistryServerHost.RunAsync"/>).
/// If the accept loop gives up later, the application is stopped with exit code 1 rather than left running deaf.
/// </remarks>
public sealed partial class RegistryServerService : IHostedService, IReadinessProbe, IAsyncDisposable
{
    private readonly RegistryServerOptions _options;
    private readonly IRegistryBackend _backend;
    private readonly RequestDispatcher _dispatcher;
    private readonly ServerMetrics _metrics;
    private readonly PrometheusExporter _exporter;
    private readonly TimeProvider _time;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private RegistryListener? _listener;
    private ServerCertificate? _certificate;
    private MetricsEndpoint? _metricsEndpoint;
    private volatile bool _started;
    private volatile bool _failed;

    /// <summary>Creates the service from DI.</summary>
    public RegistryServerService(
        IOptions<RegistryServerOptions> options,
        IRegistryBackend backend,
        RequestDispatcher dispatcher,
        ServerMetrics metrics,
        PrometheusExporter exporter,
        TimeProvider time,
        IHostApplicationLifetime lifetime,
        ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _options = options.Value;
        _backend = backend;
        _dispatcher = dispatcher;
        _metrics = metrics;
        _exporter = exporter;
        _time = time;
        _lifetime = lifetime;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<RegistryServerService>();
    }

    /// <summary>The bound client endpoint (real port when 0 was configured); null before start.</summary>
    public IPEndPoint? ListenEndPoint => _listener?.LocalEndPoint;

    /// <summary>Open client connections (replication subscribers included); 0 before start.</summary>
    public int ConnectionCount => _listener?.ConnectionCount ?? 0;

    /// <summary>True when the server stopped because its listener failed (the process should exit non-zero).</summary>
    public bool Failed => _failed;

    /// <summary>The pin of the client listener's TLS certificate (lowercase hex SHA-256 of its DER); null without TLS or before start.</summary>
    public string? TlsPin => _certificate?.Pin;

    /// <summary>The bound metrics endpoint; null when off or before start.</summary>
    public IPEndPoint? MetricsEndPoint => _metricsEndpoint?.LocalEndPoint;

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // First, so a bad certificate fails before recovery takes the data directory lock, and never degrades to plaintext.
        if (_options.Tls.Enabled)
        {
            _certificate = ServerCertificate.Load(_options.Tls, _time);
            TlsEnabled(_logger, _certificate.Source, _certificate.Pin, _certificate.NotAfter);
        }

        // Every port before recovery: a port held by another process then fails the start before the data directory is
        // locked, repaired or snapshotted, so a failed start changes nothing on disk and a retry sees the same files.
        // Connections made meanwhile wait in the kernel backlog; /healthz answers and /readyz says "starting".
        var listenEndPoint = IPEndPoint.Parse(_options.ListenEndpoint);
        Socket? reserved = null;
        await StartPartAsync($"client listener on {listenEndPoint}", () =>
        {
            reserved = RegistryListener.Reserve(listenEndPoint);
            return Task.CompletedTask;
        });
        RegistryListener listener;
        try
        {
            if (!string.IsNullOrEmpty(_options.MetricsEndpoint))
            {
                var metricsEndPoint = IPEndPoint.Parse(_options.MetricsEndpoint);
                var endpoint = new MetricsEndpoint(_exporter, this, _loggerFactory);
                _metricsEndpoint = endpoint;
                await StartPartAsync($"metrics endpoint on {metricsEndPoint}", () => endpoint.StartAsync(metricsEndPoint, cancellationToken));
            }

            await StartPartAsync("backend", () => _backend.StartAsync(cancellationToken));

            // Recovery allocated the whole registry at once (the snapshot decode runs without collections). Left as is,
            // the first collections while serving trace and promote all of it, pausing every client: after a restart of
            // 237k nodes, 64-172 requests took over 100 ms in the first 3 s of load. One full collection here, while
            // clients wait in the backlog anyway, takes ~110 ms and less collection work in total (docs/benchmarks.md).
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: false);
            _dispatcher.UseStandbyGate(() => _backend.IsStandby);
            _backend.MapHandlers(_dispatcher);
            listener = new RegistryListener(TransportOptionsFrom(_options), _dispatcher, _backend.Replication, _metrics, _loggerFactory.CreateLogger<RegistryListener>());
            listener.Start(reserved);
            _listener = listener;
        }
        catch
        {
            // The host does not stop a service whose start failed: release the ports we already hold.
            reserved!.Dispose();
            if (_metricsEndpoint is { } started)
            {
                await started.StopAsync(CancellationToken.None);
            }

            throw;
        }

        _ = WatchListenerAsync(listener);

        _started = true;
        // Says which transport serves plaintext clients: EventLoops is ignored with TLS and off Linux x86-64.
        var transport = listener.EventLoopCount > 0 ? $"{listener.EventLoopCount} event loop(s)" : "a task per connection";
        Started(_logger, listener.LocalEndPoint!, _metricsEndpoint?.LocalEndPoint?.ToString() ?? "off", _dispatcher.Types.Count(), transport);
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _started = false;
        if (_listener is { } listener)
        {
            await listener.StopAsync(cancellationToken);
        }

        if (_metricsEndpoint is { } endpoint)
        {
            await endpoint.StopAsync(cancellationToken);
        }

        await _backend.StopAsync(cancellationToken);

        // Only a server that was serving says it stopped: after a failed start the one line is the failure.
        if (_listener is not null)
        {
            Stopped(_logger);
        }
    }

    /// <summary>Ready only once started and when the backend says so.</summary>
    public ReadinessReport Check() => _started ? _backend.CheckReadiness() : ReadinessReport.NotReady("starting");

    /// <summary>Releases the listener and the metrics endpoint.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_listener is { } listener)
        {
            await listener.DisposeAsync();
        }

        if (_metricsEndpoint is { } endpoint)
        {
            await endpoint.DisposeAsync();
        }
    }

    private TransportOptions TransportOptionsFrom(RegistryServerOptions options) => new()
    {
        ListenEndPoint = IPEndPoint.Parse(options.ListenEndpoint),
        MaxFrameBytes = options.MaxFrameBytes,
        IdleTimeout = options.IdleTimeout,
        WriteTimeout = options.WriteTimeout,
        MaxConnections = options.MaxConnections,
        DrainTimeout = options.DrainTimeout,
        RateRule = new RateRule { Enabled = options.RateLimit },
        SocketBufferBytes = options.SocketBufferBytes,
        EventLoops = options.EventLoops,
        Durability = _backend as IDurabilityWaiter,
        ReplicationToken = () => _backend.ReplicationToken,
        TlsCertificate = _certificate?.Context,
        TimeProvider = _time,
    };

    private static async Task StartPartAsync(string part, Func<Task> start)
    {
        try
        {
            await start();
        }
        catch (SocketException ex)
        {
            throw new ServerStartupException($"cannot start the {part}: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            // Kestrel reports a bound port as an IOException wrapping the SocketException.
            throw new ServerStartupException($"cannot start the {part}: {ex.InnerException?.Message ?? ex.Message}", ex);
        }
        catch (Exception ex) when (ex is not ServerStartupException and not OperationCanceledException)
        {
            throw new ServerStartupException($"cannot start the {part}: {ex.Message}", ex);
        }
    }

    private async Task WatchListenerAsync(RegistryListener listener)
    {
        try
        {
            await listener.Completion;
        }
#pragma warning disable CA1031 // Any fault of the accept loop means the same thing: stop the process.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            ListenerFailed(_logger, ex);
            _failed = true;
            Environment.ExitCode = 1;
            _lifetime.StopApplication();
        }
    }

    [LoggerMessage(100, LogLevel.Information, "Registry server listening on {Endpoint} (metrics: {Metrics}, {Handlers} request types, clients served by {Transport})")]
    private static partial void Started(ILogger logger, IPEndPoint endpoint, string metrics, int handlers, string transport);

    [LoggerMessage(103, LogLevel.Information, "TLS on the client listener with the {Source} certificate; pin (sha256 of the DER) {Pin}, expires {NotAfter:u}")]
    private static partial void TlsEnabled(ILogger logger, string source, string pin, DateTime notAfter);

    [LoggerMessage(101, LogLevel.Information, "Registry server stopped")]
    private static partial void Stopped(ILogger logger);

    [LoggerMessage(102, LogLevel.Critical, "Client listener failed; stopping the server")]
    private static partial void ListenerFailed(ILogger logger, Exception exception);
}

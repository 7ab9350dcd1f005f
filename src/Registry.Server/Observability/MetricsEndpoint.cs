using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Registry.Server.Observability;

/// <summary>A tiny Kestrel server on the metrics endpoint only: <c>/metrics</c>, <c>/healthz</c>, <c>/readyz</c>.</summary>
/// <remarks>
/// Kept apart from the client protocol listener and bound to exactly one configured address, so exposing metrics
/// never exposes anything else. Routing is a single switch on the path: three fixed paths need no router.
/// See docs/adr/0005-metrics-endpoint.md for why Kestrel and not HttpListener.
/// </remarks>
public sealed class MetricsEndpoint : IAsyncDisposable
{
    private readonly PrometheusExporter _exporter;
    private readonly IReadinessProbe _readiness;
    private readonly ILoggerFactory _loggerFactory;
    private WebApplication? _app;

    /// <summary>Creates an endpoint serving <paramref name="exporter"/> and <paramref name="readiness"/>; not yet listening.</summary>
    public MetricsEndpoint(PrometheusExporter exporter, IReadinessProbe readiness, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(exporter);
        ArgumentNullException.ThrowIfNull(readiness);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _exporter = exporter;
        _readiness = readiness;
        _loggerFactory = loggerFactory;
    }

    /// <summary>The bound address (real port when 0 was configured); null before start.</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    /// <summary>Binds <paramref name="endPoint"/> and starts serving; throws when the address cannot be bound.</summary>
    public async Task StartAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(endPoint);
        });

        // Only the embedded app's warnings and errors reach the server's log: its information lines would repeat the
        // server's own start and stop lines ("Application started", "Content root path", …) and add two lines per
        // scrape, thousands a day under a 15 s Prometheus interval.
        builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Warning).AddProvider(new ForwardingLoggerProvider(_loggerFactory));
        var app = builder.Build();
        app.Run(HandleAsync);
        await app.StartAsync(cancellationToken);
        _app = app;

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        LocalEndPoint = address is null ? endPoint : new IPEndPoint(endPoint.Address, new Uri(address).Port);
    }

    /// <summary>Stops serving.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is { } app)
        {
            await app.StopAsync(cancellationToken);
        }
    }

    /// <summary>Stops and releases the server.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.DisposeAsync();
        }
    }

    /// <summary>Hands the embedded app's loggers to the server's factory (which the app must not dispose).</summary>
    private sealed class ForwardingLoggerProvider(ILoggerFactory target) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => target.CreateLogger(categoryName);

        public void Dispose()
        {
        }
    }

    private Task HandleAsync(HttpContext context)
    {
        var response = context.Response;
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return Task.CompletedTask;
        }

        switch (context.Request.Path.Value)
        {
            case "/metrics":
                response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                return response.WriteAsync(_exporter.Render(), context.RequestAborted);
            case "/healthz":
                // Liveness only: if this answers, the process is up; readiness is a separate question.
                response.ContentType = "text/plain; charset=utf-8";
                return response.WriteAsync("ok\n", context.RequestAborted);
            case "/readyz":
                var report = _readiness.Check();
                response.StatusCode = report.IsReady ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
                response.ContentType = "text/plain; charset=utf-8";
                return response.WriteAsync(report.Reason + "\n", context.RequestAborted);
            default:
                response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
        }
    }
}

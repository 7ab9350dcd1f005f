using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Registry.Server.Dispatch;
using Registry.Server.Observability;
using Registry.Server.Security;

namespace Registry.Server.Hosting;

/// <summary>Entry points for <c>registry serve</c>: build the Generic Host with the server in it, and run it with fail-loud startup.</summary>
public static partial class RegistryServerHost
{
    /// <summary>The .NET runtime's built-in meter (GC, heap, thread pool, exceptions), exported with the server's own.</summary>
    public const string RuntimeMeterName = "System.Runtime";

    /// <summary>A host builder with configuration (appsettings.json, environment, <paramref name="args"/>), console logging, SIGTERM/SIGINT handling and the server registered.</summary>
    /// <remarks>Register an <see cref="IRegistryBackend"/> on <c>builder.Services</c> before building to replace the <see cref="NullRegistryBackend"/>.</remarks>
    public static HostApplicationBuilder CreateBuilder(string[] args)
    {
        // No reload-on-change for appsettings.json: nothing here re-reads options at run time, and the file watcher on
        // the content root (the working directory, which holds ./data by default) woke on every log write.
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection([new KeyValuePair<string, string?>("hostBuilder:reloadConfigOnChange", "false")]);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, Configuration = configuration });

        // The host's own "Hosting failed to start" entry would repeat our startup line with a stack trace; RunAsync logs the one line.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);

        // The host's lifetime lines ("Application started. Press Ctrl+C…", "Content root path", "Application is shutting
        // down…") say less than the server's own ("Registry server listening on …", "Store closed …", "Registry server
        // stopped"), and after a failed start they followed the one line that matters.
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        builder.Services.AddRegistryServer(builder.Configuration);
        return builder;
    }

    /// <summary>Registers the server: options (validated at start), dispatcher, security, metrics, exporter and the hosted service.</summary>
    public static IServiceCollection AddRegistryServer(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<RegistryServerOptions>().Bind(configuration.GetSection(RegistryServerOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RegistryServerOptions>, RegistryServerOptionsValidator>();

        // Read raw, not through IOptions: HostOptions is resolved while the host is built, and validation must fail at
        // start (where RunAsync turns it into one line), not inside Build().
        services.Configure<HostOptions>(host =>
        {
            var drain = configuration.GetSection(RegistryServerOptions.SectionName).GetValue<TimeSpan?>(nameof(RegistryServerOptions.DrainTimeout));
            host.ShutdownTimeout = (drain ?? new RegistryServerOptions().DrainTimeout) + TimeSpan.FromSeconds(5);
        });

        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IRegistryBackend, NullRegistryBackend>();
        services.TryAddSingleton<RequestDispatcher>();
        services.TryAddSingleton(sp => new SignatureVerifier(verifiedCapacity: Math.Max(0, sp.GetRequiredService<IOptions<RegistryServerOptions>>().Value.VerifiedSignatureCacheEntries)));
        services.TryAddSingleton(sp => new AdminToken(sp.GetRequiredService<IOptions<RegistryServerOptions>>().Value.AdminToken));
        services.TryAddSingleton(sp => new RecentVerifications(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<RegistryServerOptions>>().Value.HeartbeatVerifySkip));
        services.TryAddSingleton<PerIpLimits>();
        services.TryAddSingleton<ServerMetrics>();
        services.TryAddSingleton<PersistenceMetrics>();
        services.TryAddSingleton(sp =>
        {
            var factory = sp.GetRequiredService<IMeterFactory>();

            // Meters this container created, so two servers in one process (tests) never mix their numbers; plus the
            // per-process meters: the persistence library's (fsync, append, batch, snapshot, recovery) and the runtime's
            // (GC collections and pause time, heap, thread pool), which explain a latency tail the server's own cannot.
            return new PrometheusExporter(meter =>
                (ReferenceEquals(meter.Scope, factory) && meter.Name.StartsWith("Registry.", StringComparison.Ordinal))
                || (meter.Scope is null && (string.Equals(meter.Name, Persistence.Diagnostics.PersistenceMetrics.MeterName, StringComparison.Ordinal)
                    || string.Equals(meter.Name, RuntimeMeterName, StringComparison.Ordinal))));
        });
        services.TryAddSingleton<RegistryServerService>();
        services.AddHostedService(sp => sp.GetRequiredService<RegistryServerService>());
        return services;
    }

    /// <summary>Starts <paramref name="host"/>, waits for shutdown, and returns the exit code: 0 after a clean stop, 1 when startup failed (logged as one line) or the listener died.</summary>
    public static async Task<int> RunAsync(IHost host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Registry.Server");
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is ServerStartupException or OptionsValidationException)
        {
            StartupFailed(logger, ex.Message);
            await StopQuietlyAsync(host);
            return 1;
        }

        await host.WaitForShutdownAsync(cancellationToken);
        return host.Services.GetService<RegistryServerService>() is { Failed: true } ? 1 : 0;
    }

    private static async Task StopQuietlyAsync(IHost host)
    {
        try
        {
            await host.StopAsync(CancellationToken.None);
        }
#pragma warning disable CA1031 // Already failing with the one line that matters; a second error would only bury it.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    [LoggerMessage(1, LogLevel.Critical, "Registry server failed to start: {Reason}")]
    private static partial void StartupFailed(ILogger logger, string reason);
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Registry.Persistence;
using Registry.Server.Hosting;

namespace Registry.Server.Registry;

/// <summary>Removes nodes not heard from within the stale threshold (§2.4): every <see cref="RegistryServerOptions.ReapInterval"/>, at most 10,000 ids per tick.</summary>
/// <remarks>
/// Unlike Go, a reap writes a delta, so a restart does not resurrect reaped nodes; the tick waits until those deltas are
/// acknowledged. Time goes through <see cref="TimeProvider"/>, so tests drive it with a fake clock. Registered after the
/// server service, it stops before the store closes.
/// </remarks>
public sealed partial class StaleNodeReaper : BackgroundService
{
    /// <summary>Most ids examined per tick (§2.4).</summary>
    public const int MaxPerTick = 10_000;

    private readonly StoreBackend _backend;
    private readonly RegistryServerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<StaleNodeReaper> _logger;

    /// <summary>Creates the reaper over <paramref name="backend"/>.</summary>
    public StaleNodeReaper(StoreBackend backend, IOptions<RegistryServerOptions> options, TimeProvider time, ILogger<StaleNodeReaper> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _backend = backend;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>Runs at the start of every periodic tick, before its pass; tests inject failures through it.</summary>
    internal Func<CancellationToken, ValueTask>? BeforeTickForTests { get; set; }

    /// <summary>Runs one reap pass now; returns how many nodes were reaped (0 before the backend has started).</summary>
    public async Task<int> ReapOnceAsync(CancellationToken cancellationToken)
    {
        if (_backend.Registry is not { } registry || registry.Store.IsStandby || registry.WritesClosed)
        {
            return 0;
        }

        var reaped = await registry.MutateAsync(r => r.ReapStale(_options.StaleThreshold, MaxPerTick), static list => list.Count == 0 ? 0 : list[^1].Sequence, cancellationToken).ConfigureAwait(false);
        if (reaped.Count > 0)
        {
            Reaped(_logger, reaped.Count, _options.StaleThreshold);
        }

        return reaped.Count;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.ReapInterval, _time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                if (BeforeTickForTests is { } hook)
                {
                    await hook(stoppingToken).ConfigureAwait(false);
                }

                await ReapOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (PersistenceException ex)
            {
                // A poisoned log: keep ticking quietly-ish; the log failure itself is reported loudly elsewhere.
                ReapFailed(_logger, ex.Message);
            }
            catch (ReplicationTimeoutException ex)
            {
                // Synchronous replication without a standby: the reap is durable here; the next tick carries on.
                ReapFailed(_logger, ex.Message);
            }
            catch (NotEnoughStandbysException)
            {
                // Too few standbys: nothing is reaped until they are back, as no client write is taken either.
            }
            catch (WritesClosedException)
            {
                // Stepped down or superseded between the check and the mutation: nothing to reap on a read-only server.
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A reaper bug must cost one tick, not the server: a failed BackgroundService stops the host.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                ReapCrashed(_logger, ex);
            }
        }
    }

    [LoggerMessage(40, LogLevel.Information, "Reaped {Count} nodes not seen for {Threshold}")]
    private static partial void Reaped(ILogger logger, int count, TimeSpan threshold);

    [LoggerMessage(41, LogLevel.Warning, "Reap tick failed: {Reason}")]
    private static partial void ReapFailed(ILogger logger, string reason);

    [LoggerMessage(42, LogLevel.Error, "Reap tick failed unexpectedly; reaping continues at the next tick")]
    private static partial void ReapCrashed(ILogger logger, Exception exception);
}

/// <summary>Registers the Store-backed registry in a server host.</summary>
public static class StoreBackendServiceCollectionExtensions
{
    /// <summary>Uses <see cref="StoreBackend"/> as the server's backend and runs the <see cref="StaleNodeReaper"/>; call after <see cref="RegistryServerHost.CreateBuilder"/>.</summary>
    public static IServiceCollection AddStoreBackend(this IServiceCollection services)
    {
        services.AddSingleton<StoreBackend>();
        services.AddSingleton<IRegistryBackend>(sp => sp.GetRequiredService<StoreBackend>());
        services.AddSingleton<StaleNodeReaper>();
        services.AddHostedService(sp => sp.GetRequiredService<StaleNodeReaper>());
        return services;
    }
}

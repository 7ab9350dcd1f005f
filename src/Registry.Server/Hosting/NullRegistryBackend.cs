using Microsoft.Extensions.Options;
using Registry.Server.Dispatch;
using Registry.Server.Observability;

namespace Registry.Server.Hosting;

/// <summary>The backend used until Registry.Core is wired in: no state, no handlers (every type answers "request failed"), always ready.</summary>
public sealed class NullRegistryBackend : IRegistryBackend
{
    private readonly string? _replicationToken;

    /// <summary>Creates the backend; the replication token comes from configuration.</summary>
    public NullRegistryBackend(IOptions<RegistryServerOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _replicationToken = options.Value.ReplicationToken;
    }

    /// <inheritdoc />
    public bool IsStandby => false;

    /// <inheritdoc />
    public string? ReplicationToken => _replicationToken;

    /// <inheritdoc />
    public IReplicationSource? Replication => null;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public void MapHandlers(RequestDispatcher dispatcher)
    {
    }

    /// <inheritdoc />
    public ReadinessReport CheckReadiness() => ReadinessReport.Ready;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

using Registry.Server.Dispatch;
using Registry.Server.Observability;

namespace Registry.Server.Hosting;

/// <summary>The seam where the registry itself (Store + Core state + request handlers) plugs into the server.</summary>
/// <remarks>
/// Call order, driven by <see cref="RegistryServerService"/>: <see cref="StartAsync"/> (lock, load, replay) →
/// <see cref="MapHandlers"/> → the listener starts accepting → … → the listener stops and drains →
/// <see cref="StopAsync"/> (final snapshot, close the log). <see cref="IsStandby"/>, <see cref="ReplicationToken"/>
/// and <see cref="CheckReadiness"/> are read concurrently from connection tasks and must be thread-safe and cheap.
/// </remarks>
public interface IRegistryBackend
{
    /// <summary>True while the server is a standby: only the read-only types of §5 are served.</summary>
    bool IsStandby { get; }

    /// <summary>The current replication token (for example <c>store.ReplicationToken</c>); null or empty = not configured.</summary>
    string? ReplicationToken { get; }

    /// <summary>Serves authenticated replication subscribers; null when this backend cannot.</summary>
    IReplicationSource? Replication { get; }

    /// <summary>Opens persistent state and recovers; a throw aborts startup with one log line.</summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Registers the request handlers; called once, after <see cref="StartAsync"/>, before any connection is accepted.</summary>
    void MapHandlers(RequestDispatcher dispatcher);

    /// <summary>Readiness for <c>/readyz</c> (see <see cref="ReadinessReport.Evaluate"/>).</summary>
    ReadinessReport CheckReadiness();

    /// <summary>Flushes and closes persistent state; called after the listener has drained.</summary>
    Task StopAsync(CancellationToken cancellationToken);
}

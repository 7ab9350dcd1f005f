namespace Registry.Server.Dispatch;

/// <summary>Serves an authenticated replication subscriber; the transport hands over the connection after the token check.</summary>
/// <remarks>
/// The implementation owns the connection until <see cref="ServeAsync"/> returns; the transport then closes it.
/// It must tolerate (and may ignore) inbound bytes, and should return promptly when the token is cancelled (shutdown).
/// </remarks>
public interface IReplicationSource
{
    /// <summary>Streams the replication protocol to <paramref name="subscriber"/> until it disconnects or <paramref name="cancellationToken"/> fires.</summary>
    Task ServeAsync(ReplicationSubscriber subscriber, CancellationToken cancellationToken);
}

using System.Net;
using Microsoft.Extensions.Logging;
using Registry.Server.Protocol;

namespace Registry.Server.Transport;

/// <summary>The transport's log lines, source-generated so a disabled level costs neither boxing nor formatting on the hot path.</summary>
internal static partial class TransportLog
{
    [LoggerMessage(1, LogLevel.Debug, "Connection {ConnectionId} from {Remote} failed")]
    public static partial void ConnectionFailed(ILogger logger, Exception exception, long connectionId, IPEndPoint remote);

    [LoggerMessage(2, LogLevel.Debug, "Closing connection {ConnectionId} from {Remote}: {Outcome} frame ({Length} bytes)")]
    public static partial void MalformedFrame(ILogger logger, long connectionId, IPEndPoint remote, FrameOutcome outcome, int length);

    [LoggerMessage(17, LogLevel.Debug, "Closing connection {ConnectionId} from {Remote}: binary protocol version {Version} is not supported")]
    public static partial void UnsupportedWireVersion(ILogger logger, long connectionId, IPEndPoint remote, byte version);

    [LoggerMessage(3, LogLevel.Information, "Closing connection {ConnectionId} from {Remote}: above the close rate of the rate rule")]
    public static partial void RateLimited(ILogger logger, long connectionId, IPEndPoint remote);

    [LoggerMessage(4, LogLevel.Warning, "Replication token set but no replication source registered; refusing subscriber {Remote}")]
    public static partial void NoReplicationSource(ILogger logger, IPEndPoint remote);

    [LoggerMessage(5, LogLevel.Information, "Refused replication subscriber {Remote}: {Error}")]
    public static partial void ReplicationRefused(ILogger logger, IPEndPoint remote, string error);

    [LoggerMessage(6, LogLevel.Information, "Replication subscriber {Remote} connected")]
    public static partial void ReplicationSubscribed(ILogger logger, IPEndPoint remote);

    [LoggerMessage(7, LogLevel.Warning, "{Count} connections still busy after the drain timeout; aborting them")]
    public static partial void DrainTimedOut(ILogger logger, int count);

    [LoggerMessage(8, LogLevel.Warning, "Accept failed ({Errors} in a row)")]
    public static partial void AcceptFailed(ILogger logger, Exception exception, int errors);

    [LoggerMessage(9, LogLevel.Critical, "Giving up on the listener after {Errors} consecutive accept errors")]
    public static partial void AcceptGaveUp(ILogger logger, int errors);

    [LoggerMessage(10, LogLevel.Debug, "Connection {ConnectionId} reset before it could be set up")]
    public static partial void SetupFailed(ILogger logger, Exception exception, long connectionId);

    [LoggerMessage(11, LogLevel.Error, "Connection {ConnectionId} ended with an unexpected error")]
    public static partial void ConnectionCrashed(ILogger logger, Exception exception, long connectionId);

    [LoggerMessage(12, LogLevel.Debug, "Closing connection {ConnectionId} from {Remote}: TLS handshake failed")]
    public static partial void TlsHandshakeFailed(ILogger logger, Exception exception, long connectionId, IPEndPoint remote);

    [LoggerMessage(13, LogLevel.Debug, "Connection {ConnectionId} from {Remote} failed: errno {Errno}")]
    public static partial void SocketCallFailed(ILogger logger, long connectionId, IPEndPoint remote, int errno);

    [LoggerMessage(14, LogLevel.Critical, "Event loop {Loop} failed; its connections are closed")]
    public static partial void LoopFailed(ILogger logger, Exception exception, int loop);

    [LoggerMessage(15, LogLevel.Error, "Replies of {Count} requests held back: the log failed before their changes were durable")]
    public static partial void RepliesFailed(ILogger logger, int count);

    [LoggerMessage(16, LogLevel.Error, "Committing a pass of {Count} requests failed unexpectedly; their replies are failures")]
    public static partial void CommitFailed(ILogger logger, Exception exception, int count);
}

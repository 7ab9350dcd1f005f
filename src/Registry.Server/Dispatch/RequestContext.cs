using System.Net;

namespace Registry.Server.Dispatch;

/// <summary>Per-connection state handed to every handler; one instance lives as long as its connection.</summary>
/// <remarks>Requests on a connection are strictly sequential (§1.1), so the mutable members need no synchronisation.</remarks>
public sealed class RequestContext
{
    /// <summary>Creates the context of connection <paramref name="connectionId"/> from <paramref name="remoteEndPoint"/>.</summary>
    public RequestContext(long connectionId, IPEndPoint remoteEndPoint, DateTimeOffset connectedAt)
    {
        ArgumentNullException.ThrowIfNull(remoteEndPoint);
        ConnectionId = connectionId;
        RemoteEndPoint = remoteEndPoint;
        ConnectedAt = connectedAt;
    }

    /// <summary>A process-unique number for this connection, for logs.</summary>
    public long ConnectionId { get; }

    /// <summary>The TCP peer; <c>register</c> derives the observed address from it.</summary>
    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>When the connection was accepted.</summary>
    public DateTimeOffset ConnectedAt { get; }

    /// <summary>Requests read on this connection so far, including the current one.</summary>
    public long RequestCount { get; internal set; }

    /// <summary>The <c>type</c> of the request being handled.</summary>
    public string RequestType { get; internal set; } = string.Empty;

    /// <summary>A slot for handler state that lives with the connection (for example a verified node id); the server never reads it.</summary>
    public object? State { get; set; }
}

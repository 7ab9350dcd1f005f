namespace Registry.Server.Observability;

/// <summary>Why the server closed a client connection.</summary>
public enum CloseReason
{
    /// <summary>The peer closed its side between requests.</summary>
    PeerClosed,

    /// <summary>A malformed frame (§1.2): closed without a reply.</summary>
    Malformed,

    /// <summary>No request within the idle timeout.</summary>
    IdleTimeout,

    /// <summary>A reply could not be written within the write timeout.</summary>
    WriteTimeout,

    /// <summary>The per-connection rate rule closed it.</summary>
    RateLimited,

    /// <summary>The server is stopping.</summary>
    Shutdown,

    /// <summary>A replication subscription ended (or its handshake failed).</summary>
    Replication,

    /// <summary>A handler asked to close after its reply.</summary>
    Requested,

    /// <summary>The TLS handshake failed (not TLS, bad record, unsupported version) or did not finish within the idle timeout.</summary>
    TlsHandshake,

    /// <summary>A socket error.</summary>
    IoError,
}

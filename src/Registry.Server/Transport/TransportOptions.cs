using System.Net;
using System.Net.Security;

namespace Registry.Server.Transport;

/// <summary>Settings of the TCP transport, resolved from <c>RegistryServerOptions</c> at start.</summary>
public sealed record TransportOptions
{
    /// <summary>Where to listen; port 0 picks a free port (tests).</summary>
    public IPEndPoint ListenEndPoint { get; init; } = new(IPAddress.Loopback, 9000);

    /// <summary>The largest accepted request body. Default 1 MiB (the protocol allows 64 MiB; see RegistryServerOptions.MaxFrameBytes).</summary>
    public int MaxFrameBytes { get; init; } = 1024 * 1024;

    /// <summary>An idle connection is closed after this long without a request. Default 5 minutes (§1.1).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A reply that cannot be written within this time closes the connection. Default 5 s (§1.1).</summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Write deadline for replication frames. Default 10 s (§5).</summary>
    public TimeSpan ReplicationWriteTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Connections above this count are accepted and closed at once. Default 100,000.</summary>
    public int MaxConnections { get; init; } = 100_000;

    /// <summary>After start, accepts are paced to <see cref="WarmUpAcceptsPerSecond"/> for this long (§1.1). Default 60 s; zero disables.</summary>
    public TimeSpan WarmUpWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Accepts per second allowed during the warm-up window. Default 1000.</summary>
    public int WarmUpAcceptsPerSecond { get; init; } = 1000;

    /// <summary>Socket send and receive buffer size for client connections; null keeps the OS default. Go uses 4 KiB to fit a million connections.</summary>
    public int? SocketBufferBytes { get; init; }

    /// <summary>How long a stop waits for in-flight requests before aborting them. Default 3 s.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>The per-connection rate rule (§1.4).</summary>
    public RateRule RateRule { get; init; } = new();

    /// <summary>Returns the current replication token (empty or null = replication not configured); read per subscribe so a Store can change it.</summary>
    public Func<string?> ReplicationToken { get; init; } = static () => null;

    /// <summary>The certificate every connection is wrapped in TLS with (§1.1); null serves plaintext.</summary>
    public SslStreamCertificateContext? TlsCertificate { get; init; }

    /// <summary>Event-loop threads serving plaintext JSON connections (docs/adr/0016); 0 serves every connection with a task of its own. Ignored with TLS and off Linux x86-64.</summary>
    public int EventLoops { get; init; }

    /// <summary>What the event loops wait on before sending replies; without it they send every reply as its handler returns it (handlers then wait for the log themselves).</summary>
    public Dispatch.IDurabilityWaiter? Durability { get; init; }

    /// <summary>The clock for idle, handshake and write timeouts and the rate rule.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

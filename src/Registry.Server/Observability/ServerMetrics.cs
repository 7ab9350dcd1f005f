using System.Diagnostics;
using System.Diagnostics.Metrics;
using Registry.Server.Dispatch;
using Registry.Server.Security;

namespace Registry.Server.Observability;

/// <summary>The server's own instruments on the <c>Registry.Server</c> meter: requests, latency, connections.</summary>
/// <remarks>
/// Request types come from clients, so an unknown type is recorded as <c>(unknown)</c>: a hostile peer must not be
/// able to create unbounded label sets. Instruments are thread-safe; connections record concurrently.
/// </remarks>
public sealed class ServerMetrics
{
    /// <summary>The meter name every server instrument is published under.</summary>
    public const string MeterName = "Registry.Server";

    /// <summary>The type label recorded for requests of an unregistered type.</summary>
    public const string UnknownTypeLabel = "(unknown)";

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _closed;
    private long _openConnections;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>; with <paramref name="verifier"/>, also its verification counts.</summary>
    public ServerMetrics(IMeterFactory meterFactory, SignatureVerifier? verifier = null)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        Meter = meterFactory.Create(MeterName);
        _requests = Meter.CreateCounter<long>("registry.server.requests", "{request}", "Requests handled, by type and outcome.");
        _duration = Meter.CreateHistogram<double>(
            "registry.server.request.duration",
            "s",
            "Time from a request's last byte read to its reply handed to the socket.",
            tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
        _closed = Meter.CreateCounter<long>("registry.server.connections.closed", "{connection}", "Connections closed, by reason.");
        Meter.CreateObservableGauge("registry.server.connections", () => Interlocked.Read(ref _openConnections), "{connection}", "Open client connections.");
        if (verifier is not null)
        {
            // Computed verifications cost ~70 µs each; memo hits (ADR 0010) almost nothing. Their ratio is the memo's worth.
            Meter.CreateObservableCounter(
                "registry.server.signature.verifications",
                () => new[]
                {
                    new Measurement<long>(verifier.Computed, new KeyValuePair<string, object?>("result", "computed")),
                    new Measurement<long>(verifier.MemoHits, new KeyValuePair<string, object?>("result", "memo")),
                },
                "{verification}",
                "Signature checks, by whether Ed25519 was computed or a verified signature was recognised.");
        }
    }

    /// <summary>The meter; callers may add their own instruments to it.</summary>
    public Meter Meter { get; }

    /// <summary>Open client connections right now.</summary>
    public long OpenConnections => Interlocked.Read(ref _openConnections);

    /// <summary>Records one handled request.</summary>
    public void RecordRequest(string type, DispatchOutcome outcome, TimeSpan elapsed)
    {
        var label = outcome == DispatchOutcome.Unknown ? UnknownTypeLabel : type;
        var tags = new TagList { { "type", label }, { "outcome", OutcomeLabel(outcome) } };
        _requests.Add(1, tags);
        _duration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("type", label));
    }

    /// <summary>Counts an accepted connection.</summary>
    public void ConnectionOpened() => Interlocked.Increment(ref _openConnections);

    /// <summary>Counts a closed connection and why it closed.</summary>
    public void ConnectionClosed(CloseReason reason)
    {
        Interlocked.Decrement(ref _openConnections);
        _closed.Add(1, new KeyValuePair<string, object?>("reason", ReasonLabel(reason)));
    }

    /// <summary>Counts a connection refused at the connection cap (never opened).</summary>
    public void ConnectionRejected() => _closed.Add(1, new KeyValuePair<string, object?>("reason", "cap"));

    private static string OutcomeLabel(DispatchOutcome outcome) => outcome switch
    {
        DispatchOutcome.Ok => "ok",
        DispatchOutcome.Error => "error",
        DispatchOutcome.Unknown => "unknown",
        DispatchOutcome.Standby => "standby",
        _ => "fault",
    };

    private static string ReasonLabel(CloseReason reason) => reason switch
    {
        CloseReason.PeerClosed => "peer",
        CloseReason.Malformed => "malformed",
        CloseReason.IdleTimeout => "idle",
        CloseReason.WriteTimeout => "write_timeout",
        CloseReason.RateLimited => "rate",
        CloseReason.Shutdown => "shutdown",
        CloseReason.Replication => "replication",
        CloseReason.Requested => "requested",
        CloseReason.TlsHandshake => "tls_handshake",
        _ => "io_error",
    };
}

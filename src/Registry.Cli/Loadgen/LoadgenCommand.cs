using System.Buffers.Binary;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using NSec.Cryptography;
using Registry.Cli.Wal;
using Registry.Server.Protocol;
using Registry.Server.Security;

namespace Registry.Cli.Loadgen;

/// <summary><c>registry loadgen --server HOST:PORT [--clients N] [--duration S] [--op register|set_tags|mixed|heartbeat|lookup] [--binary] [--standby HOST:PORT] [--tls-pin HEX | --tls-ca FILE | --tls-system-trust] [--json]</c>.</summary>
/// <remarks>
/// Each client is one connection issuing real requests back to back: <c>register</c> with a fresh key, or signed
/// <c>set_tags</c>/<c>heartbeat</c> for a node it registered first (Ed25519 over the protocol's challenge string).
/// A success reply is an acknowledged, durable mutation (in the server's <c>always</c> mode).
/// </remarks>
/// <summary>The parsed arguments of one loadgen run.</summary>
internal sealed record LoadgenSettings(string Server, int Clients, double Seconds, string Op, bool Json, string? Standby, double Warmup = 0, TlsClientTrust? Tls = null, TlsClientTrust? StandbyTls = null, bool Binary = false);

internal static class LoadgenCommand
{
    private static readonly string[] Tags = ["gpu", "edge", "eu-west", "batch", "storage"];

    // Distinct consecutive pairs, so that successive set_tags really change the node's tags.
    private static readonly string[][] TagPairs = [.. Enumerable.Range(0, 15).Select(i => new[] { Tags[i % Tags.Length], Tags[(i / 3) % Tags.Length] })];

    public static Command Create(CliContext context)
    {
        var server = new Option<string>("--server") { Description = "The registry's HOST:PORT.", Required = true };
        var clients = new Option<int>("--clients") { Description = "Concurrent connections.", DefaultValueFactory = _ => 64 };
        var duration = new Option<double>("--duration") { Description = "Seconds to run.", DefaultValueFactory = _ => 10 };
        var op = new Option<string>("--op") { Description = "register, set_tags, mixed, heartbeat (signed) or lookup (of the client's own node).", DefaultValueFactory = _ => "register" };
        var binary = new Option<bool>("--binary") { Description = "Speak the binary protocol (§1.3): heartbeat and lookup as binary frames, other requests as JSON inside 0x00 frames." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var warmup = new Option<double>("--warmup") { Description = "Seconds of load before measuring (lets the server's JIT and caches settle); not counted.", DefaultValueFactory = _ => 0 };
        var standby = new Option<string?>("--standby") { Description = "A standby's HOST:PORT: also measure how long after the primary's acknowledgement registrations are visible there (registrations; with set_tags, tag changes)." };
        var tlsPin = new Option<string?>("--tls-pin") { Description = "Dial --server over TLS and accept only the certificate whose SHA-256 (hex) is this pin." };
        var tlsCa = new Option<string?>("--tls-ca") { Description = "Dial --server over TLS and validate its certificate against the CA certificates of this PEM file and the --server host name." };
        var tlsSystemTrust = new Option<bool>("--tls-system-trust") { Description = "Dial --server over TLS and validate its certificate against the system trust store and the --server host name." };
        var standbyTlsPin = new Option<string?>("--standby-tls-pin") { Description = "Dial --standby over TLS, accepting only this certificate pin." };
        var standbyTlsCa = new Option<string?>("--standby-tls-ca") { Description = "Dial --standby over TLS, validating against the CA certificates of this PEM file." };
        var standbyTlsSystemTrust = new Option<bool>("--standby-tls-system-trust") { Description = "Dial --standby over TLS, validating against the system trust store." };
        op.AcceptOnlyFromAmong("register", "set_tags", "mixed", "heartbeat", "lookup");
        var command = new Command("loadgen", "Drive a registry with N concurrent connections of real, signed requests; report acknowledged operations per second and latency percentiles.") { server, clients, duration, op, json, standby, warmup, tlsPin, tlsCa, tlsSystemTrust, standbyTlsPin, standbyTlsCa, standbyTlsSystemTrust, binary };
        command.SetAction(async (parse, ct) =>
        {
            if (!TryTrust(context, "--", parse.GetValue(tlsPin), parse.GetValue(tlsCa), parse.GetValue(tlsSystemTrust), out var tls)
                || !TryTrust(context, "--standby-", parse.GetValue(standbyTlsPin), parse.GetValue(standbyTlsCa), parse.GetValue(standbyTlsSystemTrust), out var standbyTls))
            {
                return ExitCodes.UsageOrIo;
            }

            return await RunAsync(context, new LoadgenSettings(parse.GetValue(server)!, parse.GetValue(clients), parse.GetValue(duration), parse.GetValue(op)!, parse.GetValue(json), parse.GetValue(standby), parse.GetValue(warmup), tls, standbyTls, parse.GetValue(binary)), ct);
        });
        return command;
    }

    /// <summary>The TLS trust of one endpoint from its <c>{prefix}tls-pin</c>, <c>{prefix}tls-ca</c> and <c>{prefix}tls-system-trust</c> flags (null when none); false after printing why they are unusable.</summary>
    private static bool TryTrust(CliContext context, string prefix, string? pin, string? caFile, bool systemTrust, out TlsClientTrust? trust)
    {
        trust = null;
        if ((pin is null ? 0 : 1) + (caFile is null ? 0 : 1) + (systemTrust ? 1 : 0) > 1)
        {
            context.Err.WriteLine($"registry loadgen: {prefix}tls-pin, {prefix}tls-ca and {prefix}tls-system-trust exclude each other");
            return false;
        }

        try
        {
            trust = TlsClientTrust.From(pin, caFile, systemTrust);
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidDataException)
        {
            context.Err.WriteLine($"registry loadgen: {prefix}tls-*: {ex.Message}");
            return false;
        }
    }

    public static async Task<int> RunAsync(CliContext context, LoadgenSettings settings, CancellationToken cancellationToken)
    {
        var (server, clients, seconds, op, json, standbyAddress, warmupSeconds, tls, standbyTls, binary) = settings;

        EndPoint? standbyEndPoint = null;
        if (!Registry.Server.Hosting.HostPort.TryParse(server, out var endPoint) || clients < 1 || seconds <= 0 || warmupSeconds < 0
            || (standbyAddress is not null && !Registry.Server.Hosting.HostPort.TryParse(standbyAddress, out standbyEndPoint)))
        {
            context.Err.WriteLine("registry loadgen: --server and --standby must be HOST:PORT, --clients ≥ 1, --duration > 0, --warmup ≥ 0");
            return ExitCodes.UsageOrIo;
        }

        var probe = standbyEndPoint is null ? null : new StandbyProbe();
        using var stopProbes = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var probes = probe?.RunAsync(standbyEndPoint!, standbyTls, ProbeConnections, stopProbes.Token) ?? Task.CompletedTask;

        var run = Guid.NewGuid().ToString("N")[..8];
        var latencies = new List<long>[clients];
        var errors = new long[clients];
        string? firstError = null;
        var clock = Stopwatch.StartNew();
        var warmup = TimeSpan.FromSeconds(warmupSeconds);
        var deadline = warmup + TimeSpan.FromSeconds(seconds);
        var measureFrom = Stopwatch.GetTimestamp() + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        try
        {
            await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
            {
                latencies[c] = new List<long>(4096);
                await using var client = await LoadClient.ConnectAsync(endPoint, tls, cancellationToken, binary);
                var (own, first) = await RegisterAsync(client, run, c, 0, cancellationToken);
                if (own is null)
                {
                    errors[c]++;
                    Interlocked.CompareExchange(ref firstError, first.Text, null);
                    return;
                }

                var heartbeat = string.Create(CultureInfo.InvariantCulture, $"heartbeat:{own.NodeId}");
                var setTags = string.Create(CultureInfo.InvariantCulture, $"set_tags:{own.NodeId}");
                var ownId = new byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(ownId, own.NodeId);
                byte[] binaryHeartbeat = [.. ownId, .. Convert.FromBase64String(own.Sign(heartbeat))];
                var random = new Random(c);
                // At least one request per client, even when setting up the client's own node took the whole run
                // (a short run on a busy machine): a report of zero operations says nothing about the server.
                for (var i = 1; i == 1 || clock.Elapsed < deadline; i++)
                {
                    var kind = op switch
                    {
                        "register" => 0,
                        "heartbeat" => 1,
                        "set_tags" => 2,
                        "lookup" => 3,
                        _ => random.Next(10) switch { < 2 => 0, < 7 => 1, _ => 2 },
                    };
                    var started = Stopwatch.GetTimestamp();
                    var (ok, text, _) = kind switch
                    {
                        0 => await RegisterAndOfferAsync(client, run, c, i, started >= measureFrom ? probe : null, cancellationToken),
                        1 when binary => await client.BinaryRequestAsync(BinaryWire.Heartbeat, binaryHeartbeat, cancellationToken),
                        1 => await SignedAsync(client, own, "heartbeat", heartbeat, null, cancellationToken),
                        3 when binary => await client.BinaryRequestAsync(BinaryWire.Lookup, ownId, cancellationToken),
                        3 => await LookupAsync(client, own.NodeId, cancellationToken),
                        _ when probe is not null => await SetTagsAndOfferAsync(client, own, setTags, i, started >= measureFrom ? probe : null, cancellationToken),
                        _ => await SignedAsync(client, own, "set_tags", setTags, TagPairs[i % TagPairs.Length], cancellationToken),
                    };
                    if (ok)
                    {
                        if (started >= measureFrom)
                        {
                            latencies[c].Add(Stopwatch.GetTimestamp() - started);
                        }
                    }
                    else
                    {
                        errors[c]++;
                        Interlocked.CompareExchange(ref firstError, text, null);
                    }
                }
            }, cancellationToken)));
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or System.Security.Authentication.AuthenticationException)
        {
            context.Err.WriteLine($"registry loadgen: {ex.Message}");
            return ExitCodes.UsageOrIo;
        }

        var elapsed = (clock.Elapsed - warmup).TotalSeconds;
        await stopProbes.CancelAsync();
        await probes;
        var all = latencies.Where(l => l is not null).SelectMany(l => l).Order().Select(t => t * 1000.0 / Stopwatch.Frequency).ToArray();
        double Percentile(double p) => Quantile.Of(all, p);
        (string Name, double Value)[] results =
        [
            ("clients", clients),
            ("duration_s", Math.Round(elapsed, 2)),
            ("ops", all.Length),
            ("ops_per_s", Math.Round(all.Length / elapsed, 1)),
            ("p50_ms", Math.Round(Percentile(0.50), 3)),
            ("p99_ms", Math.Round(Percentile(0.99), 3)),
            ("p999_ms", Math.Round(Percentile(0.999), 3)),
            ("errors", errors.Sum()),
            .. probe?.Report() ?? [],
        ];
        if (json)
        {
            context.Out.WriteLine(JsonLine.Object(w =>
            {
                w.WriteString("op", op);
                w.WriteBoolean("binary", binary);
                foreach (var (name, value) in results)
                {
                    w.WriteNumber(name, value);
                }

                if (firstError is not null)
                {
                    w.WriteString("first_error", firstError);
                }
            }));
        }
        else
        {
            foreach (var (name, value) in results)
            {
                context.Out.WriteLine($"{name,-12} {value,14:N3}");
            }

            if (firstError is not null)
            {
                context.Out.WriteLine($"first error: {firstError}");
            }
        }

        return ExitCodes.Ok;
    }

    /// <summary>Probe connections to the standby; each has one lookup in flight.</summary>
    private const int ProbeConnections = 2;

    /// <summary>A client's own node; Ed25519 is deterministic and the protocol's challenges carry no nonce, so each signature is computed once, as a real client would.</summary>
    private sealed class Node(uint nodeId, Key key)
    {
        private readonly Dictionary<string, string> _signatures = new(StringComparer.Ordinal);

        public uint NodeId => nodeId;

        public string Sign(string challenge)
        {
            if (!_signatures.TryGetValue(challenge, out var signature))
            {
                signature = Convert.ToBase64String(SignatureAlgorithm.Ed25519.Sign(key, Encoding.ASCII.GetBytes(challenge)));
                _signatures.Add(challenge, signature);
            }

            return signature;
        }
    }

    private static async Task<Reply> RegisterAndOfferAsync(LoadClient client, string run, int c, int i, StandbyProbe? probe, CancellationToken cancellationToken)
    {
        var (_, reply) = await RegisterAsync(client, run, c, i, cancellationToken);
        if (reply.Ok)
        {
            probe?.Offer(reply.NodeId, Stopwatch.GetTimestamp());
        }

        return reply;
    }

    /// <summary>A <c>set_tags</c> whose second tag is <c>v</c> + the request number, which grows with every change of this node, so the standby probe can tell this change from earlier ones.</summary>
    private static async Task<Reply> SetTagsAndOfferAsync(LoadClient client, Node own, string challenge, int i, StandbyProbe? probe, CancellationToken cancellationToken)
    {
        var marker = string.Create(CultureInfo.InvariantCulture, $"v{i}");
        var reply = await SignedAsync(client, own, "set_tags", challenge, [TagPairs[i % TagPairs.Length][0], marker], cancellationToken);
        if (reply.Ok)
        {
            probe?.OfferTagChange(own.NodeId, i, Stopwatch.GetTimestamp());
        }

        return reply;
    }

    private static async Task<(Node? Node, Reply Reply)> RegisterAsync(LoadClient client, string run, int c, int i, CancellationToken cancellationToken)
    {
        // Only the client's own node (i == 0) signs later and needs a key pair; registration itself is unsigned
        // (wire-protocol §3.1), so the other registrations send random key bytes and the load stays on the server.
        Key? key = null;
        string publicKey;
        if (i == 0)
        {
            key = Key.Create(SignatureAlgorithm.Ed25519);
            publicKey = Convert.ToBase64String(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
        }
        else
        {
            // Placeholder keys only need to differ from each other: the cryptographic generator (OpenSSL, with a getpid
            // per call) was ~6% of the load generator's CPU, taken from the server it shares the machine with.
            Span<byte> random = stackalloc byte[32];
            Random.Shared.NextBytes(random);
            publicKey = Convert.ToBase64String(random);
        }

        var hostname = string.Create(CultureInfo.InvariantCulture, $"lg-{run}-{c}-{i}");
        var reply = await client.RequestAsync((publicKey, hostname), static (w, s) =>
        {
            w.WriteString("type", "register");
            w.WriteString("public_key", s.publicKey);
            w.WriteString("hostname", s.hostname);
        }, "register_ok", cancellationToken);
        return (key is null || !reply.Ok ? null : new Node(reply.NodeId, key), reply);
    }

    private static Task<Reply> LookupAsync(LoadClient client, uint nodeId, CancellationToken cancellationToken) =>
        client.RequestAsync(nodeId, static (w, id) =>
        {
            w.WriteString("type", "lookup");
            w.WriteNumber("node_id", id);
        }, "lookup_ok", cancellationToken);

    private static Task<Reply> SignedAsync(LoadClient client, Node node, string type, string challenge, string[]? tags, CancellationToken cancellationToken) =>
        client.RequestAsync((type, node.NodeId, signature: node.Sign(challenge), tags), static (w, s) =>
        {
            w.WriteString("type", s.type);
            w.WriteNumber("node_id", s.NodeId);
            w.WriteString("signature", s.signature);
            if (s.tags is not null)
            {
                w.WriteStartArray("tags");
                foreach (var tag in s.tags)
                {
                    w.WriteStringValue(tag);
                }

                w.WriteEndArray();
            }
        }, type + "_ok", cancellationToken);
}

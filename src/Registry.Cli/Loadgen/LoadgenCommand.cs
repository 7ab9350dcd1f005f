using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using NSec.Cryptography;
using Registry.Cli.Wal;

namespace Registry.Cli.Loadgen;

/// <summary><c>registry loadgen --server HOST:PORT [--clients N] [--duration S] [--op register|set_tags|mixed] [--json]</c>.</summary>
/// <remarks>
/// Each client is one connection issuing real requests back to back: <c>register</c> with a fresh key, or signed
/// <c>set_tags</c>/<c>heartbeat</c> for a node it registered first (Ed25519 over the protocol's challenge string).
/// A success reply is an acknowledged, durable mutation (in the server's <c>always</c> mode).
/// </remarks>
internal static class LoadgenCommand
{
    private static readonly string[] Tags = ["gpu", "edge", "eu-west", "batch", "storage"];

    public static Command Create(CliContext context)
    {
        var server = new Option<string>("--server") { Description = "The registry's HOST:PORT.", Required = true };
        var clients = new Option<int>("--clients") { Description = "Concurrent connections.", DefaultValueFactory = _ => 64 };
        var duration = new Option<double>("--duration") { Description = "Seconds to run.", DefaultValueFactory = _ => 10 };
        var op = new Option<string>("--op") { Description = "register, set_tags or mixed.", DefaultValueFactory = _ => "register" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        op.AcceptOnlyFromAmong("register", "set_tags", "mixed");
        var command = new Command("loadgen", "Drive a registry with N concurrent connections of real, signed requests; report acknowledged operations per second and latency percentiles.") { server, clients, duration, op, json };
        command.SetAction((parse, ct) => RunAsync(context, parse.GetValue(server)!, parse.GetValue(clients), parse.GetValue(duration), parse.GetValue(op)!, parse.GetValue(json), ct));
        return command;
    }

    public static async Task<int> RunAsync(CliContext context, string server, int clients, double seconds, string op, bool json, CancellationToken cancellationToken)
    {
        if (!Registry.Server.Hosting.HostPort.TryParse(server, out var endPoint) || clients < 1 || seconds <= 0)
        {
            context.Err.WriteLine("registry loadgen: --server must be HOST:PORT, --clients ≥ 1, --duration > 0");
            return ExitCodes.UsageOrIo;
        }

        var run = Guid.NewGuid().ToString("N")[..8];
        var latencies = new List<long>[clients];
        var errors = new long[clients];
        string? firstError = null;
        var clock = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(seconds);
        try
        {
            await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
            {
                latencies[c] = new List<long>(4096);
                await using var client = await LoadClient.ConnectAsync(endPoint, cancellationToken);
                var (own, _) = await RegisterAsync(client, run, c, 0, cancellationToken);
                var random = new Random(c);
                for (var i = 1; clock.Elapsed < deadline; i++)
                {
                    var kind = op switch
                    {
                        "register" => 0,
                        "set_tags" => 2,
                        _ => random.Next(10) switch { < 2 => 0, < 7 => 1, _ => 2 },
                    };
                    var started = Stopwatch.GetTimestamp();
                    (bool Ok, string Text) outcome = kind switch
                    {
                        0 => (await RegisterAsync(client, run, c, i, cancellationToken)).Outcome,
                        1 => await SignedAsync(client, own, "heartbeat", $"heartbeat:{own.NodeId}", null, cancellationToken),
                        _ => await SignedAsync(client, own, "set_tags", $"set_tags:{own.NodeId}", [Tags[i % Tags.Length], Tags[(i / 3) % Tags.Length]], cancellationToken),
                    };
                    var (ok, text) = outcome;
                    if (ok)
                    {
                        latencies[c].Add(Stopwatch.GetTimestamp() - started);
                    }
                    else
                    {
                        errors[c]++;
                        Interlocked.CompareExchange(ref firstError, text, null);
                    }
                }
            }, cancellationToken)));
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException)
        {
            context.Err.WriteLine($"registry loadgen: {ex.Message}");
            return ExitCodes.UsageOrIo;
        }

        var elapsed = clock.Elapsed.TotalSeconds;
        var all = latencies.Where(l => l is not null).SelectMany(l => l).Order().ToArray();
        double Percentile(double p) => all.Length == 0 ? 0 : all[Math.Min(all.Length - 1, (int)Math.Ceiling(p * all.Length) - 1)] * 1000.0 / Stopwatch.Frequency;
        var results = new (string Name, double Value)[]
        {
            ("clients", clients),
            ("duration_s", Math.Round(elapsed, 2)),
            ("ops", all.Length),
            ("ops_per_s", Math.Round(all.Length / elapsed, 1)),
            ("p50_ms", Math.Round(Percentile(0.50), 3)),
            ("p99_ms", Math.Round(Percentile(0.99), 3)),
            ("p999_ms", Math.Round(Percentile(0.999), 3)),
            ("errors", errors.Sum()),
        };
        if (json)
        {
            context.Out.WriteLine(JsonLine.Object(w =>
            {
                w.WriteString("op", op);
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

    private sealed record Node(uint NodeId, Key Key);

    private static async Task<(Node Node, (bool Ok, string Text) Outcome)> RegisterAsync(LoadClient client, string run, int c, int i, CancellationToken cancellationToken)
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
            publicKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        }

        var reply = await client.RequestAsync(w =>
        {
            w.WriteString("type", "register");
            w.WriteString("public_key", publicKey);
            w.WriteString("hostname", string.Create(CultureInfo.InvariantCulture, $"lg-{run}-{c}-{i}"));
        }, cancellationToken);
        var outcome = LoadClient.Outcome(reply, "register_ok");
        var id = outcome.Ok ? reply.GetProperty("node_id").GetUInt32() : 0;
        return (new Node(id, key!), outcome);
    }

    private static async Task<(bool, string)> SignedAsync(LoadClient client, Node node, string type, string challenge, string[]? tags, CancellationToken cancellationToken)
    {
        var signature = Convert.ToBase64String(SignatureAlgorithm.Ed25519.Sign(node.Key, Encoding.ASCII.GetBytes(challenge)));
        var reply = await client.RequestAsync(w =>
        {
            w.WriteString("type", type);
            w.WriteNumber("node_id", node.NodeId);
            w.WriteString("signature", signature);
            if (tags is not null)
            {
                w.WriteStartArray("tags");
                foreach (var tag in tags)
                {
                    w.WriteStringValue(tag);
                }

                w.WriteEndArray();
            }
        }, cancellationToken);
        return LoadClient.Outcome(reply, type + "_ok");
    }
}

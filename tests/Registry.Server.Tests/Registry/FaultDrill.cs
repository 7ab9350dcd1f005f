using System.Globalization;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Registry.Persistence.Tests;

namespace Registry.Server.Tests.Registry;

/// <summary>A node as a drill remembers it once acknowledged: its id, its key, and the tag last acknowledged for it.</summary>
internal sealed record AcknowledgedNode(uint Id, string PublicKey, string? Tag);

/// <summary>What the fault drills share: strace injection, metric scrapes, acknowledged-state checks, file fingerprints.</summary>
internal static partial class FaultDrill
{
    /// <summary>Snapshots on every 50 ms tick while the state is dirty, and after 10 entries, so a save fault is hit quickly.</summary>
    public static readonly IReadOnlyDictionary<string, string> SnapshotEveryTick = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Registry__SaveInterval"] = "00:00:00.050",
        ["Registry__SnapshotAfterEntries"] = "10",
    };

    private static readonly HttpClient Http = new();

    /// <summary>True when strace can be used; skips the test locally without it, fails it in CI (which installs strace).</summary>
    public static bool RequireStrace()
    {
        if (Environment.GetEnvironmentVariable("PATH")!.Split(':').Any(p => File.Exists(Path.Combine(p, "strace"))))
        {
            return true;
        }

        Assert.True(Environment.GetEnvironmentVariable("CI") is null, "strace is required in CI");
        Assert.Skip("strace is not installed");
        return false;
    }

    /// <summary>
    /// A strace wrapper that fails every <paramref name="syscall"/> touching one of <paramref name="paths"/> (by name or
    /// through a descriptor) with <paramref name="errno"/>, and logs each such call ("(INJECTED)", with the path), and
    /// the <paramref name="alsoTrace"/> calls on those paths, to <paramref name="traceFile"/>.
    /// </summary>
    /// <remarks>
    /// strace's <c>when=N</c> counts calls per thread, not per process, and the save loop runs on whichever thread-pool
    /// thread is free, so a count cannot single out one snapshot step. The path filter (<c>-P</c>) can: it restricts
    /// tracing, and therefore injection, to calls on those files or directories.
    /// </remarks>
    public static string[] Inject(string syscall, string errno, string traceFile, IEnumerable<string> paths, string? alsoTrace = null) =>
    [
        "strace", "-f", "--seccomp-bpf", "-qq", "-y", "-o", traceFile,
        "-e", alsoTrace is null ? $"trace={syscall}" : $"trace={syscall},{alsoTrace}",
        .. paths.SelectMany(p => new[] { "-P", p }),
        "-e", $"inject={syscall}:error={errno}",
    ];

    /// <summary>
    /// The calls in a strace log, one line each: a call that strace split because another thread's call came in between
    /// (<c>PID call(... &lt;unfinished ...&gt;</c>, later <c>PID &lt;... call resumed&gt;...</c>) is joined again.
    /// </summary>
    public static List<string> ReadTrace(string traceFile)
    {
        const string Unfinished = " <unfinished ...>";
        var calls = new List<string>();
        var pending = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in File.ReadAllLines(traceFile))
        {
            var pid = line.Split(' ', 2)[0];
            var resumed = line.IndexOf("<... ", StringComparison.Ordinal);
            if (resumed >= 0 && pending.Remove(pid, out var index))
            {
                // A call never resumed (its thread was killed) keeps its "<unfinished ...>".
                calls[index] = calls[index][..^Unfinished.Length] + line[(line.IndexOf("resumed>", resumed, StringComparison.Ordinal) + "resumed>".Length)..];
                continue;
            }

            if (line.EndsWith(Unfinished, StringComparison.Ordinal))
            {
                pending[pid] = calls.Count;
            }

            calls.Add(line);
        }

        return calls;
    }

    /// <summary>The calls of <paramref name="traceFile"/> whose result strace replaced.</summary>
    public static List<string> InjectedCalls(string traceFile) =>
        ReadTrace(traceFile).Where(l => l.Contains("(INJECTED)", StringComparison.Ordinal)).ToList();

    /// <summary>The value of an unlabelled metric on <c>/metrics</c>, or null when it is not exported.</summary>
    public static async Task<double?> ScrapeAsync(int port, string metric, CancellationToken cancellationToken)
    {
        var text = await Http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"), cancellationToken);
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(metric + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(metric.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    /// <summary>Polls <c>/metrics</c> until <paramref name="metric"/> satisfies <paramref name="condition"/>; bounded by <paramref name="cancellationToken"/>.</summary>
    public static async Task<double> WaitForMetricAsync(int port, string metric, Func<double, bool> condition, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (await ScrapeAsync(port, metric, cancellationToken) is { } value && condition(value))
            {
                return value;
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>Polls until <paramref name="text"/> appears in the process's output (the console logger writes from a queue); bounded by <paramref name="cancellationToken"/>.</summary>
    public static async Task WaitForOutputAsync(ServeProcess serve, string text, CancellationToken cancellationToken)
    {
        while (!serve.Output.Contains(text, StringComparison.Ordinal))
        {
            await Task.Delay(10, cancellationToken);
        }
    }

    /// <summary>GET <c>/readyz</c>: status code and body.</summary>
    public static async Task<(System.Net.HttpStatusCode Status, string Body)> ReadyzAsync(int port, CancellationToken cancellationToken)
    {
        using var response = await Http.GetAsync(new Uri($"http://127.0.0.1:{port}/readyz"), cancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    /// <summary>Registers <paramref name="count"/> nodes and tags each with a unique tag; every step must be acknowledged.</summary>
    public static async Task<List<AcknowledgedNode>> RegisterTaggedAsync(RegistryClient client, string tagPrefix, int count, CancellationToken cancellationToken)
    {
        var nodes = new List<AcknowledgedNode>();
        for (var i = 0; i < count; i++)
        {
            using var key = new NodeKey();
            var id = await client.RegisterAsync(key, cancellationToken);
            var tag = $"{tagPrefix}-{i}";
            await client.OkAsync(new { type = "set_tags", node_id = id, tags = new[] { tag }, signature = key.Sign($"set_tags:{id}") }, cancellationToken);
            nodes.Add(new AcknowledgedNode(id, key.PublicKey, tag));
        }

        return nodes;
    }

    /// <summary>Looks every node up; returns a description of each one that is missing or differs (empty when all are there).</summary>
    public static async Task<List<string>> MissingAsync(RegistryClient client, IEnumerable<AcknowledgedNode> nodes, CancellationToken cancellationToken)
    {
        var missing = new List<string>();
        foreach (var node in nodes)
        {
            var reply = await client.SendAsync(new { type = "lookup", node_id = node.Id }, cancellationToken);
            if (reply.GetProperty("type").GetString() != "lookup_ok")
            {
                missing.Add($"node {node.Id} ({node.PublicKey}): {reply}");
                continue;
            }

            var tags = reply.TryGetProperty("tags", out var t) ? t.EnumerateArray().Select(e => e.GetString()).ToList() : [];
            if (reply.GetProperty("public_key").GetString() != node.PublicKey || !tags.SequenceEqual(node.Tag is null ? [] : [node.Tag]))
            {
                missing.Add($"node {node.Id}: expected key {node.PublicKey} tag {node.Tag ?? "(none)"}, got {reply}");
            }
        }

        return missing;
    }

    /// <summary>Every file under <paramref name="directory"/> (relative path) with its length and SHA-256.</summary>
    public static SortedDictionary<string, string> Fingerprint(string directory)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            var bytes = File.ReadAllBytes(file);
            files[Path.GetRelativePath(directory, file)] = $"{bytes.Length}:{Convert.ToHexStringLower(SHA256.HashData(bytes))}";
        }

        return files;
    }

    /// <summary>The differences between two fingerprints, one line each (empty when equal).</summary>
    public static List<string> Differences(SortedDictionary<string, string> before, SortedDictionary<string, string> after) =>
        before.Keys.Union(after.Keys, StringComparer.Ordinal)
            .Where(k => !before.TryGetValue(k, out var b) || !after.TryGetValue(k, out var a) || a != b)
            .Select(k => $"{k}: {(before.TryGetValue(k, out var b) ? b : "absent")} -> {(after.TryGetValue(k, out var a) ? a : "absent")}")
            .ToList();

    /// <summary>The fields of the one "Recovered ..." line registry serve logs after recovery.</summary>
    public static RecoveryLine Recovery(string output)
    {
        var match = RecoveredPattern().Match(output);
        Assert.True(match.Success, "no recovery line in the output:\n" + output);
        return new RecoveryLine(
            match.Groups["snapshot"].Value,
            int.Parse(match.Groups["generation"].Value, CultureInfo.InvariantCulture),
            ulong.Parse(match.Groups["seq"].Value, CultureInfo.InvariantCulture),
            ulong.Parse(match.Groups["last"].Value, CultureInfo.InvariantCulture),
            long.Parse(match.Groups["cut"].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"Recovered .*? snapshot=(?<snapshot>\S+) generation=(?<generation>-?\d+) snapshot_seq=(?<seq>\d+) replayed=\d+ last_seq=(?<last>\d+) bytes_cut=(?<cut>\d+)")]
    private static partial Regex RecoveredPattern();
}

/// <summary>What one start's recovery reported: the snapshot file and generation used, its sequence, the last sequence, the bytes cut.</summary>
internal sealed record RecoveryLine(string SnapshotPath, int Generation, ulong SnapshotSequence, ulong LastSequence, long BytesCut);

/// <summary>
/// A data directory written by one fault-free run of <c>registry serve</c>: four nodes registered and tagged, then SIGTERM,
/// so it holds a current snapshot (sequence 8), the previous generation and the log. Each drill copies it.
/// </summary>
public sealed class SeededDataDirectory : IAsyncLifetime
{
    private readonly TempDirectory _root = new();
    private List<AcknowledgedNode> _nodes = [];

    internal IReadOnlyList<AcknowledgedNode> Nodes => _nodes;

    private string DataPath => _root.Combine("data");

    public async ValueTask InitializeAsync()
    {
        var ct = Timeouts.Bounded(60);
        using var serve = await ServeProcess.StartAsync(DataPath, ct);
        using (var client = await serve.ConnectAsync(ct))
        {
            _nodes = await FaultDrill.RegisterTaggedAsync(client, "seed", 4, ct);
        }

        await serve.TerminateAsync(ct);
        var exit = await serve.WaitForExitAsync(ct);
        Assert.True(exit == 0, $"exit {exit}:\n{serve.Output}");
        Assert.True(File.Exists(Path.Combine(DataPath, "snapshot.json")) && File.Exists(Path.Combine(DataPath, "snapshot.json.1")), serve.Output);
    }

    /// <summary>Copies the seeded directory to <c>data</c> inside <paramref name="target"/> and returns that path.</summary>
    internal string CopyTo(TempDirectory target)
    {
        var to = target.Combine("data");
        foreach (var file in Directory.EnumerateFiles(DataPath, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(to, Path.GetRelativePath(DataPath, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        return to;
    }

    public ValueTask DisposeAsync()
    {
        _root.Dispose();
        return ValueTask.CompletedTask;
    }
}

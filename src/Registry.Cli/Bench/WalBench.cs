using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Registry.Cli.Wal;
using Registry.Persistence.Deltas;
using Registry.Persistence.Deltas.Payloads;
using Registry.Persistence.Wal;
using Registry.Persistence.Wal.Legacy;

namespace Registry.Cli.Bench;

/// <summary><c>registry bench wal [--json]</c>: durable append throughput against a lock-per-append baseline, and replay speed, on one disk in one run.</summary>
internal static class WalBench
{
    public static Command CreateCommand(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var seconds = new Option<double>("--seconds") { Description = "Duration of each throughput phase.", DefaultValueFactory = _ => 3 };
        var entries = new Option<int>("--replay-entries") { Description = "Entries in the replay logs.", DefaultValueFactory = _ => 1_000_000 };
        var dir = new Option<string?>("--dir") { Description = "Scratch directory on the disk to measure (default: a temporary directory)." };
        var sweep = new Option<bool>("--sweep") { Description = "Instead, measure baseline and group commit at 1, 4, 16 and 64 appenders (one round each), for the throughput plot." };
        var command = new Command("wal", "Measure durable appends/s at 1 and 64 appenders (baseline lock+fsync per append vs group commit; median of 3 interleaved rounds) and replay speed of both formats.") { json, seconds, entries, dir, sweep };
        command.SetAction((parse, ct) => parse.GetValue(sweep)
            ? SweepAsync(context, parse.GetValue(seconds), parse.GetValue(dir), ct)
            : RunAsync(context, parse.GetValue(json), parse.GetValue(seconds), parse.GetValue(entries), parse.GetValue(dir), ct));
        return command;
    }

    public static async Task<int> RunAsync(CliContext context, bool json, double seconds, int replayEntries, string? scratch, CancellationToken cancellationToken)
    {
        var root = scratch is null ? Directory.CreateTempSubdirectory("registry-bench-").FullName : Directory.CreateDirectory(Path.Combine(scratch, $"bench-{Environment.ProcessId}")).FullName;
        var phase = TimeSpan.FromSeconds(seconds);
        var results = new List<(string Name, double Value)>();
        void Note(string name, double value)
        {
            results.Add((name, value));
            if (!json)
            {
                context.Err.WriteLine($"{name,-34} {value,14:N1}");
            }
        }

        try
        {
            var payload = SamplePayload(7);
            var body = LegacyBody(payload);
            var rounds = new List<Dictionary<string, double>>();
            for (var round = 0; round < Rounds; round++)
            {
                // Interleaved rounds: a noisy neighbour slows both sides of a comparison, not one.
                var r = new Dictionary<string, double>(StringComparer.Ordinal);
                r["baseline_1"] = Baseline(Path.Combine(root, $"b1-{round}.wal"), body, 1, phase);
                r["group_1"] = (await Group(Path.Combine(root, $"g1-{round}"), payload, 1, phase, null, cancellationToken)).PerSecond;
                r["group_1_nospin"] = (await Group(Path.Combine(root, $"g1n-{round}"), payload, 1, phase, TimeSpan.Zero, cancellationToken, noSpin: true)).PerSecond;
                r["baseline_64"] = Baseline(Path.Combine(root, $"b64-{round}.wal"), body, 64, phase);
                var (group64, perBatch) = await Group(Path.Combine(root, $"g64-{round}"), payload, 64, phase, null, cancellationToken);
                r["group_64"] = group64;
                r["appends_per_batch_64"] = perBatch;
                r["group_64_nodelay"] = (await Group(Path.Combine(root, $"g64n-{round}"), payload, 64, phase, TimeSpan.Zero, cancellationToken)).PerSecond;
                r["ratio_64"] = r["group_64"] / r["baseline_64"];
                r["ratio_1"] = r["group_1"] / r["baseline_1"];
                rounds.Add(r);
                foreach (var file in Directory.GetFileSystemEntries(root))
                {
                    if (Directory.Exists(file)) { Directory.Delete(file, true); } else { File.Delete(file); }
                }
            }

            foreach (var name in rounds[0].Keys)
            {
                Note(name, Median(rounds.Select(r => r[name])));
            }

            Note("rounds", Rounds);
            Note("load_average", MachineLoad.LoadAverage());
            Note("seconds_per_phase", seconds);

            var replay = await ReplayNew(Path.Combine(root, "replay"), replayEntries, cancellationToken);
            Note("replay_entries_per_s", replay.EntriesPerSecond);
            Note("replay_mb_per_s", replay.MbPerSecond);
            Note("replay_decode_entries_per_s", replay.DecodedPerSecond);
            var legacy = ReplayLegacy(Path.Combine(root, "legacy.wal"), replayEntries, cancellationToken);
            Note("legacy_replay_entries_per_s", legacy.EntriesPerSecond);
            Note("legacy_replay_mb_per_s", legacy.MbPerSecond);
            Note("replay_entries", replayEntries);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }

        if (json)
        {
            context.Out.WriteLine(JsonLine.Object(w =>
            {
                foreach (var (name, value) in results)
                {
                    w.WriteNumber(name, Math.Round(value, 2));
                }
            }));
        }

        return ExitCodes.Ok;
    }

    private const int Rounds = 3;

    /// <summary>Baseline and group commit at several appender counts; prints <c>{"sweep":[{"clients":N,"baseline":…,"group":…},…]}</c>.</summary>
    public static async Task<int> SweepAsync(CliContext context, double seconds, string? scratch, CancellationToken cancellationToken)
    {
        var root = scratch is null ? Directory.CreateTempSubdirectory("registry-sweep-").FullName : Directory.CreateDirectory(Path.Combine(scratch, $"sweep-{Environment.ProcessId}")).FullName;
        var payload = SamplePayload(7);
        var body = LegacyBody(payload);
        var phase = TimeSpan.FromSeconds(seconds);
        var points = new List<(int Clients, double Baseline, double Group)>();
        try
        {
            foreach (var clients in new[] { 1, 4, 16, 64 })
            {
                var baseline = Baseline(Path.Combine(root, $"b{clients}.wal"), body, clients, phase);
                var (group, _) = await Group(Path.Combine(root, $"g{clients}"), payload, clients, phase, null, cancellationToken);
                points.Add((clients, baseline, group));
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }

        context.Out.WriteLine(JsonLine.Object(w =>
        {
            w.WriteStartArray("sweep");
            foreach (var (clients, baseline, group) in points)
            {
                w.WriteStartObject();
                w.WriteNumber("clients", clients);
                w.WriteNumber("baseline", Math.Round(baseline, 1));
                w.WriteNumber("group", Math.Round(group, 1));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteNumber("load_average", MachineLoad.LoadAverage());
        }));
        return ExitCodes.Ok;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>A realistic register payload (about 200 bytes).</summary>
    internal static byte[] SamplePayload(int i) => Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
        $"{{\"node_id\":{i},\"owner\":\"user{i}@example.com\",\"public_key\":\"SrhHw9TZp6fHHsANaTSXuTSCUwqs2gme3VROCFwY3pY=\",\"real_addr\":\"203.0.113.10:4000\",\"hostname\":\"node-{i}\",\"version\":\"v1.10.0\",\"created_at\":\"2026-05-12T08:00:00Z\"}}"));

    private static byte[] LegacyBody(byte[] payload)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        GoEnvelope.Encode(new DeltaEntry(0, DeltaType.Register, 7, payload), buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private static double Baseline(string path, byte[] body, int appenders, TimeSpan duration)
    {
        using var log = new LockPerAppendLog(path);
        long total = 0;
        var stop = Stopwatch.StartNew();
        var threads = Enumerable.Range(0, appenders).Select(_ => new Thread(() =>
        {
            long n = 0;
            while (stop.Elapsed < duration)
            {
                log.Append(body);
                n++;
            }

            Interlocked.Add(ref total, n);
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return total / stop.Elapsed.TotalSeconds;
    }

    private static async Task<(double PerSecond, double PerBatch)> Group(string dir, byte[] payload, int appenders, TimeSpan duration, TimeSpan? commitDelay, CancellationToken cancellationToken, bool noSpin = false)
    {
        var defaults = new WalOptions { Directory = dir };
        var options = new WalOptions
        {
            Directory = dir,
            MaxSizeBytes = 64L * 1024 * 1024 * 1024,
            MaxCommitDelay = commitDelay ?? defaults.MaxCommitDelay,
            MaxIdleSpin = noSpin ? TimeSpan.Zero : defaults.MaxIdleSpin,
        };

        using var wal = WriteAheadLog.Open(options);
        long total = 0;
        var stop = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, appenders).Select(_ => Task.Run(async () =>
        {
            long n = 0;
            while (stop.Elapsed < duration)
            {
                await wal.AppendAsync(DeltaType.Register, 7, payload, cancellationToken).ConfigureAwait(false);
                n++;
            }

            Interlocked.Add(ref total, n);
        }, cancellationToken))).ConfigureAwait(false);
        var elapsed = stop.Elapsed.TotalSeconds;
        var batches = Math.Max(1, wal.Counters.Batches);
        return (total / elapsed, (double)total / batches);
    }

    private static async Task<(double EntriesPerSecond, double MbPerSecond, double DecodedPerSecond)> ReplayNew(string dir, int entries, CancellationToken cancellationToken)
    {
        using (var wal = WriteAheadLog.Open(new WalOptions { Directory = dir, Durability = WalDurability.None, MaxSizeBytes = 64L * 1024 * 1024 * 1024 }))
        {
            var pending = new List<Task>(8192);
            for (var i = 0; i < entries; i++)
            {
                pending.Add(wal.AppendAsync(DeltaType.Register, (uint)i, SamplePayload(i), cancellationToken).AsTask());
                if (pending.Count == pending.Capacity)
                {
                    await Task.WhenAll(pending).ConfigureAwait(false);
                    pending.Clear();
                }
            }

            await Task.WhenAll(pending).ConfigureAwait(false);
            await wal.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        // Framing and checksums only.
        long seen = 0;
        var clock = Stopwatch.StartNew();
        var result = WalReader.Read(dir, (in WalRecord r) => seen++, cancellationToken: cancellationToken);
        var framing = clock.Elapsed.TotalSeconds;
        Check(seen == entries && result.Intact, "new-format replay");

        // Framing, checksums and decoding every payload into its typed delta.
        long decoded = 0;
        clock.Restart();
        WalReader.Read(dir, (in WalRecord r) =>
        {
            if (DeltaPayload.Decode(r.Entry.Type, r.Entry.Data.Span) is not null)
            {
                decoded++;
            }
        }, cancellationToken: cancellationToken);
        var decoding = clock.Elapsed.TotalSeconds;
        Check(decoded == entries, "decoding replay");
        return (entries / framing, result.FileBytes / framing / (1024 * 1024), entries / decoding);
    }

    private static (double EntriesPerSecond, double MbPerSecond) ReplayLegacy(string path, int entries, CancellationToken cancellationToken)
    {
        using (var writer = new LegacyWalWriter(path))
        {
            for (var i = 0; i < entries; i++)
            {
                writer.Append(new DeltaEntry(0, DeltaType.Register, (uint)i, SamplePayload(i)));
            }

            writer.Flush();
        }

        var clock = Stopwatch.StartNew();
        var result = LegacyWalReader.Read(path, _ => { }, cancellationToken);
        var elapsed = clock.Elapsed.TotalSeconds;
        Check(result.Count == entries, "legacy replay");
        return (entries / elapsed, result.FileBytes / elapsed / (1024 * 1024));
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"benchmark self-check failed: {what}");
        }
    }
}

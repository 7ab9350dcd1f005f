using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Registry.Persistence.Snapshots;

namespace Registry.Cli.Bench;

/// <summary>
/// <c>registry bench snapshot</c>: saves and loads a realistic registry through <see cref="SnapshotStore"/> and reports
/// median times and the memory the load needs.
/// </summary>
/// <remarks>
/// Memory is measured in a separate load (so the sampler does not disturb the timed runs), after the generated
/// registry has been released and collected: <c>peak_mb</c> is the largest managed heap size (GC.GetTotalMemory)
/// seen by a 1 ms sampler during the load, baseline included; <c>alloc_mb</c> is everything the load allocated
/// (GC.GetTotalAllocatedBytes, garbage included); <c>rss_peak_mb</c> is the process's peak resident set during
/// the load (Linux VmHWM, reset through /proc/self/clear_refs), runtime included.
/// </remarks>
internal static class SnapshotBench
{
    public static Command CreateCommand(CliContext context)
    {
        var nodes = new Option<int>("--nodes") { Description = "Number of nodes.", DefaultValueFactory = _ => 100_000 };
        var networks = new Option<int>("--networks") { Description = "Number of networks.", DefaultValueFactory = _ => 1_000 };
        var runs = new Option<int>("--runs") { Description = "Timed save+load runs after one cold (first, JIT-compiling) run; the median is reported.", DefaultValueFactory = _ => 5 };
        var dir = new Option<string?>("--dir") { Description = "Directory to write in (default: a new temp directory, removed afterwards)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("snapshot", "Measure snapshot save (encode + checksum + atomic write) and load (read + verify + decode).")
        {
            nodes,
            networks,
            runs,
            dir,
            json,
        };
        command.SetAction(parse => Run(
            context,
            parse.GetValue(nodes),
            parse.GetValue(networks),
            parse.GetValue(runs),
            parse.GetValue(dir),
            parse.GetValue(json)));
        return command;
    }

    private static int Run(CliContext context, int nodeCount, int networkCount, int runs, string? directory, bool json)
    {
        if (nodeCount < 1 || networkCount < 1 || runs < 1)
        {
            context.Err.WriteLine("registry: --nodes, --networks and --runs must be positive");
            return ExitCodes.UsageOrIo;
        }

        SaveCpuMs.Clear();
        LoadCpuMs.Clear();
        var temp = directory is null ? Directory.CreateTempSubdirectory("registry-bench-").FullName : null;
        var store = new SnapshotStore(new SnapshotStoreOptions { Directory = directory ?? temp! });
        try
        {
            var (bytes, saveMs) = TimeSaves(store, nodeCount, networkCount, runs);
            // Loads run without the generated registry alive, as at process start.
            FullCollect();
            var loadMs = TimeLoads(store, runs);
            var memory = MeasureLoadMemory(store);
            Report(context, json, nodeCount, networkCount, bytes, saveMs, loadMs, memory);
            return ExitCodes.Ok;
        }
        finally
        {
            if (temp is not null)
            {
                Directory.Delete(temp, recursive: true);
            }
        }
    }

    // A separate, non-inlined method so the generated registry is unreachable once it returns (locals inside a
    // try region may otherwise be reported live until the end of the caller and inflate the load's memory figures).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static (long Bytes, List<double> SaveMs) TimeSaves(SnapshotStore store, int nodeCount, int networkCount, int runs)
    {
        var snapshot = SnapshotBenchData.Build(nodeCount, networkCount);
        var saveMs = new List<double>();
        long bytes = 0;
        for (var i = 0; i <= runs; i++)
        {
            var cpu = CpuMs();
            var watch = Stopwatch.StartNew();
            bytes = store.Save(snapshot).Length;
            saveMs.Add(watch.Elapsed.TotalMilliseconds);
            SaveCpuMs.Add(CpuMs() - cpu);
        }

        return (bytes, saveMs);
    }

    // Process CPU time (user + system, all threads) per operation: less disturbed than wall time when other work
    // shares the two cores, so both are reported.
    private static readonly List<double> SaveCpuMs = [];
    private static readonly List<double> LoadCpuMs = [];

    private static double CpuMs()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime.TotalMilliseconds;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static List<double> TimeLoads(SnapshotStore store, int runs)
    {
        var loadMs = new List<double>();
        for (var i = 0; i <= runs; i++)
        {
            loadMs.Add(TimeOneLoad(store));
            FullCollect();
        }

        return loadMs;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static double TimeOneLoad(SnapshotStore store)
    {
        var cpu = CpuMs();
        var watch = Stopwatch.StartNew();
        var loaded = store.Load();
        var elapsed = watch.Elapsed.TotalMilliseconds;
        LoadCpuMs.Add(CpuMs() - cpu);
        GC.KeepAlive(loaded);
        return elapsed;
    }

    private static (double PeakMb, double AllocMb, double RetainedMb, double RssPeakMb, double BaselineMb) MeasureLoadMemory(SnapshotStore store)
    {
        FullCollect();
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        var resetRss = TryResetPeakRss();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var peak = GC.GetTotalMemory(forceFullCollection: false);
        using var done = new ManualResetEventSlim();
        var sampler = new Thread(() =>
        {
            while (!done.Wait(1))
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false));
            }
        })
        { IsBackground = true };
        sampler.Start();
        var loaded = store.Load();
        done.Set();
        sampler.Join();
        peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false));
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var rss = resetRss ? ReadPeakRssBytes() : -1;
        var retained = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(loaded);
        return (Mb(peak), Mb(allocated), Mb(retained), rss < 0 ? -1 : Mb(rss), Mb(baseline));
    }

    private static void Report(CliContext context, bool json, int nodes, int networks, long bytes, List<double> saveAll, List<double> loadAll, (double PeakMb, double AllocMb, double RetainedMb, double RssPeakMb, double BaselineMb) m)
    {
        var inv = CultureInfo.InvariantCulture;

        // The first run of each pays for JIT compilation (what a process start sees); it is reported apart.
        var save = saveAll.Skip(1).ToList();
        var load = loadAll.Skip(1).ToList();
        if (!json)
        {
            context.Out.WriteLine(string.Create(inv, $"nodes {nodes}, networks {networks}, file {bytes} bytes ({Mb(bytes):F1} MB), {save.Count} runs"));
            context.Out.WriteLine(string.Create(inv, $"cold (first) run: save {saveAll[0]:F1} ms, load {loadAll[0]:F1} ms"));
            context.Out.WriteLine(string.Create(inv, $"save ms: median {Median(save):F1}  runs {string.Join(' ', save.Select(v => v.ToString("F1", inv)))}"));
            context.Out.WriteLine(string.Create(inv, $"load ms: median {Median(load):F1}  runs {string.Join(' ', load.Select(v => v.ToString("F1", inv)))}"));
            context.Out.WriteLine(string.Create(inv, $"cpu ms (median): save {Median([.. SaveCpuMs.Skip(1)]):F1}, load {Median([.. LoadCpuMs.Skip(1)]):F1}"));
            context.Out.WriteLine(string.Create(inv, $"load memory: peak managed heap {m.PeakMb:F1} MB ({m.PeakMb / Mb(bytes):F2}x file), allocated {m.AllocMb:F1} MB, retained {m.RetainedMb:F1} MB, heap before load {m.BaselineMb:F1} MB, peak RSS {m.RssPeakMb:F1} MB"));
            return;
        }

        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("nodes", nodes);
            w.WriteNumber("networks", networks);
            w.WriteNumber("bytes", bytes);
            w.WriteNumber("runs", save.Count);
            w.WriteNumber("save_ms", Math.Round(Median(save), 1));
            w.WriteNumber("load_ms", Math.Round(Median(load), 1));
            w.WriteNumber("save_cpu_ms", Math.Round(Median([.. SaveCpuMs.Skip(1)]), 1));
            w.WriteNumber("load_cpu_ms", Math.Round(Median([.. LoadCpuMs.Skip(1)]), 1));
            w.WriteNumber("cold_save_ms", Math.Round(saveAll[0], 1));
            w.WriteNumber("cold_load_ms", Math.Round(loadAll[0], 1));
            w.WriteNumber("peak_mb", Math.Round(m.PeakMb, 1));
            w.WriteNumber("peak_x_file", Math.Round(m.PeakMb / Mb(bytes), 2));
            w.WriteNumber("alloc_mb", Math.Round(m.AllocMb, 1));
            w.WriteNumber("retained_mb", Math.Round(m.RetainedMb, 1));
            w.WriteNumber("rss_peak_mb", Math.Round(m.RssPeakMb, 1));
            w.WriteNumber("heap_before_load_mb", Math.Round(m.BaselineMb, 1));
            w.WriteStartArray("save_runs_ms");
            save.ForEach(v => w.WriteNumberValue(Math.Round(v, 1)));
            w.WriteEndArray();
            w.WriteStartArray("load_runs_ms");
            load.ForEach(v => w.WriteNumberValue(Math.Round(v, 1)));
            w.WriteEndArray();
            w.WriteEndObject();
        }

        context.Out.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static double Mb(long bytes) => bytes / (1024.0 * 1024.0);

    private static void FullCollect()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    private static bool TryResetPeakRss()
    {
        try
        {
            // Writing 5 resets the peak resident set size (VmHWM) on Linux 4.0+.
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long ReadPeakRssBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
            }
        }

        return -1;
    }
}

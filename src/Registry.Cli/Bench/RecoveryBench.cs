using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Registry.Cli.Wal;
using Registry.Core;
using Registry.Core.Lifecycle;
using Registry.Persistence.Lifecycle;
using Registry.Persistence.Snapshots;
using Registry.Persistence.Wal;

namespace Registry.Cli.Bench;

/// <summary><c>registry bench recovery [--json]</c>: time to recover a snapshot of N nodes plus M log entries after it.</summary>
internal static class RecoveryBench
{
    public static Command CreateCommand(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var nodes = new Option<int>("--nodes") { Description = "Nodes in the snapshot.", DefaultValueFactory = _ => 100_000 };
        var entries = new Option<int>("--entries") { Description = "Log entries after the snapshot.", DefaultValueFactory = _ => 1_000_000 };
        var dir = new Option<string?>("--dir") { Description = "Scratch directory (default: a temporary directory)." };
        var command = new Command("recovery", "Build a registry of N nodes, snapshot it, log M more mutations through the real mutation path, then time a full recovery (lock, load + verify snapshot, replay).") { json, nodes, entries, dir };
        command.SetAction((parse, ct) => RunAsync(context, parse.GetValue(json), parse.GetValue(nodes), parse.GetValue(entries), parse.GetValue(dir), ct));
        return command;
    }

    public static async Task<int> RunAsync(CliContext context, bool json, int nodeCount, int entryCount, string? scratch, CancellationToken cancellationToken)
    {
        var root = scratch is null ? Directory.CreateTempSubdirectory("registry-recovery-").FullName : Directory.CreateDirectory(Path.Combine(scratch, $"recovery-{Environment.ProcessId}")).FullName;
        try
        {
            var build = Stopwatch.StartNew();
            var (logBytes, snapshotBytes) = await BuildAsync(root, nodeCount, entryCount, cancellationToken);
            var buildSeconds = build.Elapsed.TotalSeconds;

            var registry = new NodeRegistry(new WalDeltaLog());
            using var process = Process.GetCurrentProcess();
            var cpuBefore = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var store = Store.Open(new StoreOptions { DataDirectory = root, MaxLogBytes = 16L * 1024 * 1024 * 1024, SnapshotAfterLogBytes = 16L * 1024 * 1024 * 1024 }, new RegistryStateMachine(registry));
            var elapsed = clock.Elapsed;
            process.Refresh();
            var cpu = process.TotalProcessorTime - cpuBefore;
            var report = store.Recovery;
            var (state, _) = registry.CaptureSnapshot();
            await store.DisposeAsync();
            if (report.Replayed != entryCount || state.Nodes?.Count != nodeCount)
            {
                throw new InvalidOperationException($"benchmark self-check failed: replayed {report.Replayed} of {entryCount}, {state.Nodes?.Count} of {nodeCount} nodes");
            }

            var results = new (string Name, double Value)[]
            {
                ("nodes", nodeCount),
                ("entries", entryCount),
                ("snapshot_bytes", snapshotBytes),
                ("log_bytes", logBytes),
                ("recovery_ms", Math.Round(elapsed.TotalMilliseconds, 1)),
                ("recovery_cpu_ms", Math.Round(cpu.TotalMilliseconds, 1)),
                ("load_average", Math.Round(MachineLoad.LoadAverage(), 2)),
                ("entries_per_s", Math.Round(entryCount / elapsed.TotalSeconds)),
                ("build_s", Math.Round(buildSeconds, 1)),
            };
            if (json)
            {
                context.Out.WriteLine(JsonLine.Object(w =>
                {
                    foreach (var (name, value) in results)
                    {
                        w.WriteNumber(name, value);
                    }
                }));
            }
            else
            {
                foreach (var (name, value) in results)
                {
                    context.Out.WriteLine($"{name,-16} {value,14:N1}");
                }
            }

            return ExitCodes.Ok;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>Registers the nodes, saves a snapshot covering them, then logs the mutations after it; returns log and snapshot sizes.</summary>
    private static async Task<(long LogBytes, long SnapshotBytes)> BuildAsync(string root, int nodeCount, int entryCount, CancellationToken cancellationToken)
    {
        var layout = new DataLayout(root);
        using var wal = WriteAheadLog.Open(new WalOptions { Directory = layout.WalDirectory, Durability = WalDurability.None, MaxSizeBytes = 16L * 1024 * 1024 * 1024 });
        var deltaLog = new WalDeltaLog();
        deltaLog.Attach(wal);
        var registry = new NodeRegistry(deltaLog);
        registry.EnsureBackbone();
        var key = new byte[32];
        for (var i = 0; i < nodeCount; i++)
        {
            BitConverter.TryWriteBytes(key, i + 1);
            registry.Register(new RegisterRequest
            {
                PublicKey = Convert.ToBase64String(key),
                Owner = string.Create(CultureInfo.InvariantCulture, $"owner{i}@example.com"),
                Hostname = string.Create(CultureInfo.InvariantCulture, $"node-{i}"),
                RealAddr = "203.0.113.10:4000",
            });
        }

        var (snapshot, sequence) = registry.CaptureSnapshot();
        snapshot.WalSeq = sequence;
        var snapshots = new SnapshotStore(new SnapshotStoreOptions { Directory = root, FileName = DataLayout.SnapshotFileName });
        snapshots.Save(snapshot, cancellationToken);

        // Mutations after the snapshot, through the same path a server request takes.
        var random = new Random(42);
        string[] tags = ["gpu", "edge", "eu-west", "batch", "storage", "relay"];
        for (var i = 0; i < entryCount; i++)
        {
            var node = (uint)random.Next(1, nodeCount + 1);
            switch (i % 10)
            {
                case < 6:
                    registry.Heartbeat(node);
                    break;
                case < 8:
                    registry.SetTags(node, [tags[i % tags.Length], tags[(i / 7) % tags.Length]]);
                    break;
                case 8:
                    registry.SetVisibility(node, (i & 1) == 0);
                    break;
                default:
                    registry.SetHostname(node, string.Create(CultureInfo.InvariantCulture, $"renamed-{i}"));
                    break;
            }

            if ((i & 0xFFFF) == 0)
            {
                await wal.FlushAsync(cancellationToken);
            }
        }

        await wal.FlushAsync(cancellationToken);
        return (wal.Size, new FileInfo(Path.Combine(root, DataLayout.SnapshotFileName)).Length);
    }
}

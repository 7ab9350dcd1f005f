using System.CommandLine;
using Registry.Cli.Wal;
using Registry.Core;
using Registry.Core.Lifecycle;
using Registry.Persistence;
using Registry.Persistence.IO;
using Registry.Persistence.Lifecycle;

namespace Registry.Cli;

/// <summary><c>registry status [--data DIR] [--json]</c>: opens a data directory exactly as the registry starts (lock, recover, repair a torn tail), reports it, and closes it.</summary>
internal static class StatusCommand
{
    /// <summary>The data directory used when none is given.</summary>
    public const string DefaultDataDirectory = "./data";

    public static Command Create(CliContext context)
    {
        var data = new Option<string>("--data") { Description = "The data directory (created if missing; a Go registry's directory is migrated).", DefaultValueFactory = _ => DefaultDataDirectory };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("status", "Start the registry's persistence on a data directory as the server does (lock, load the newest verifying snapshot, replay the log, cut a torn tail), report what was recovered, and close it cleanly. Exit 0 ok, 1 recovery refused, 2 I/O error or locked.") { data, json };
        command.SetAction((parse, ct) => RunAsync(context, parse.GetValue(data)!, parse.GetValue(json)));
        return command;
    }

    public static async Task<int> RunAsync(CliContext context, string dataDirectory, bool json)
    {
        var deltaLog = new WalDeltaLog();
        var machine = new RegistryStateMachine(new NodeRegistry(deltaLog));
        try
        {
            await using var store = Store.Open(new StoreOptions { DataDirectory = dataDirectory }, machine);
            deltaLog.Attach(store.Log);
            var report = store.Recovery;
            var (state, _) = machine.Capture();
            if (json)
            {
                context.Out.WriteLine(JsonLine.Object(w =>
                {
                    w.WriteString("data", Path.GetFullPath(dataDirectory));
                    w.WriteString("layout", report.Layout);
                    w.WriteString("snapshot", report.Snapshot.Path);
                    w.WriteNumber("snapshot_seq", report.SnapshotSequence);
                    w.WriteNumber("replayed", report.Replayed);
                    w.WriteNumber("last_seq", report.LastSequence);
                    w.WriteNumber("log_bytes", store.Log.Size);
                    w.WriteNumber("bytes_cut", report.BytesCut);
                    w.WriteNumber("nodes", state.Nodes?.Count ?? 0);
                    w.WriteNumber("networks", state.Networks?.Count ?? 0);
                    w.WriteNumber("recovery_ms", Math.Round(report.Duration.TotalMilliseconds, 1));
                    JsonLine.WriteProblems(w, report.LogProblems);
                }));
            }
            else
            {
                context.Out.WriteLine($"data directory {Path.GetFullPath(dataDirectory)} ({report.Layout})");
                context.Out.WriteLine($"snapshot: {(report.Snapshot.Found ? report.Snapshot.Path : "none")}; {report.Snapshot.Explanation}");
                context.Out.WriteLine($"log: {report.Replayed} entries replayed after sequence {report.SnapshotSequence}, last sequence {report.LastSequence}, {store.Log.Size} bytes");
                foreach (var problem in report.LogProblems)
                {
                    var action = string.Equals(report.Layout, "go", StringComparison.Ordinal) ? "found (the Go files are left unchanged)" : "repaired";
                    context.Out.WriteLine($"{action} {JsonLine.KindName(problem.Kind)} at {problem.FilePath} offset {problem.Offset}: {problem.Message}");
                }

                foreach (var side in report.SideFiles)
                {
                    context.Out.WriteLine($"cut bytes kept in {side}");
                }

                context.Out.WriteLine($"state: {state.Nodes?.Count ?? 0} nodes, {state.Networks?.Count ?? 0} networks; recovered in {report.Duration.TotalMilliseconds:F1} ms");
            }

            return ExitCodes.Ok;
        }
        catch (DirectoryLockedException ex)
        {
            context.Err.WriteLine($"registry status: {ex.Message}. A running server holds it: 'registry inspect --data {dataDirectory}' reads it without the lock");
            return ExitCodes.UsageOrIo;
        }
        catch (PersistenceException ex)
        {
            context.Err.WriteLine($"registry status: refusing to start: {ex.Message}. Inspect with 'registry inspect --data {dataDirectory}'.");
            return ExitCodes.Damaged;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDeltaException)
        {
            context.Err.WriteLine($"registry status: {ex.Message}. A running server holds it: 'registry inspect --data {dataDirectory}' reads it without the lock");
            return ExitCodes.UsageOrIo;
        }
    }
}

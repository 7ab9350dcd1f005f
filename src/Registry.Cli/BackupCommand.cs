using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Registry.Cli.Wal;
using Registry.Core;
using Registry.Core.Lifecycle;
using Registry.Persistence;
using Registry.Persistence.IO;
using Registry.Persistence.Lifecycle;
using Registry.Persistence.Replication;
using Registry.Server.Hosting;
using Registry.Server.Replication;
using Registry.Server.Security;

namespace Registry.Cli;

/// <summary>
/// <c>registry backup --server HOST:PORT --replication-token R --out DIR</c>: a consistent copy of a running server's
/// registry, taken over the replication protocol, written as a data directory that <c>registry serve --data DIR</c>
/// starts from.
/// </summary>
/// <remarks>
/// <para>The copy is what a fresh standby receives first: the server's snapshot as of one sequence number, installed
/// through the same code and made durable the same way, plus whatever records arrived before the copy closed. It is
/// consistent (one point of the server's history), works against a primary or a standby (which feeds subscribers too)
/// and over TLS, and never touches the server's own files.</para>
/// <para>The directory appears whole or not at all: everything is written and synced in a sibling
/// <c>.DIR.partial-PID</c> directory, which is renamed to <c>DIR</c> only after the copy was closed and then recovered
/// read-only without any problem; a failed or interrupted backup deletes it (or leaves it to be deleted, after a
/// crash), and an existing <c>DIR</c> is never written into.</para>
/// <para>Restoring: <c>serve --data DIR</c> starts it as a primary in a new epoch (it was recorded as following its
/// source, as a standby's directory is), so its history is told apart from the source's; <c>serve --data DIR
/// --standby-of SOURCE</c> makes it a standby that resumes from the copy's sequence instead of a full snapshot.</para>
/// <para>Exit 0 with the copy in place; 1 when the copy does not recover cleanly; 2 for usage errors, a server that
/// cannot be reached or refuses (a wrong token), I/O errors and timeouts.</para>
/// </remarks>
internal static class BackupCommand
{
    public static Command Create(CliContext context)
    {
        var server = new Option<string>("--server") { Description = "The server to copy, HOST:PORT (a primary or a standby).", Required = true };
        var token = new Option<string>("--replication-token") { Description = "The server's replication token.", Required = true };
        var output = new Option<string>("--out") { Description = "The directory to create with the copy; it must not exist yet (or be empty).", Required = true };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for the server's snapshot.", DefaultValueFactory = _ => 120 };
        var tls = new TlsClientFlags();
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("backup", "Copy a running server's registry, consistent at one sequence number, into a new data directory (over the replication protocol; the server's files are not touched).")
        {
            server, token, output, timeout, json,
        };
        tls.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            if (!HostPort.TryParse(parse.GetValue(server), out var endPoint) || parse.GetValue(timeout) is not (> 0 and <= 3600))
            {
                context.Err.WriteLine("registry backup: --server must be HOST:PORT, --timeout in (0, 3600] seconds");
                return ExitCodes.UsageOrIo;
            }

            if (!tls.TryResolve(parse, context, "backup", out var trust))
            {
                return ExitCodes.UsageOrIo;
            }

            var source = new BackupSource(endPoint!, parse.GetValue(token)!, trust, TimeSpan.FromSeconds(parse.GetValue(timeout)));
            return await RunAsync(context, source, parse.GetValue(output)!, parse.GetValue(json), ct);
        });
        return command;
    }

    /// <summary>Where the copy comes from and how long its snapshot may take.</summary>
    internal sealed record BackupSource(System.Net.EndPoint Server, string Token, TlsClientTrust? Trust, TimeSpan Timeout);

    public static async Task<int> RunAsync(CliContext context, BackupSource source, string output, bool json, CancellationToken cancellationToken)
    {
        var target = Path.GetFullPath(output.TrimEnd(Path.DirectorySeparatorChar));
        if (File.Exists(target) || (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any()))
        {
            context.Err.WriteLine($"registry backup: {target} already exists and is not empty; give a new directory");
            return ExitCodes.UsageOrIo;
        }

        var parent = Path.GetDirectoryName(target)!;
        var partial = Path.Combine(parent, string.Create(CultureInfo.InvariantCulture, $".{Path.GetFileName(target)}.partial-{Environment.ProcessId}"));
        var started = Stopwatch.GetTimestamp();
        try
        {
            Directory.CreateDirectory(parent);
            if (!await CopyAsync(context, source, partial, cancellationToken))
            {
                return ExitCodes.UsageOrIo;
            }

            // The copy's registry must be garbage before the verification loads a second one: the copy's store closes
            // asynchronously, and this method resumed inline on that thread, whose frames (the store's close) stayed
            // on the stack and kept the first registry alive to the end; the process peaked at twice the registry.
            await Task.Yield();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            var verified = Verify(context, partial, cancellationToken);
            if (verified is null)
            {
                return ExitCodes.Damaged;
            }

            if (Directory.Exists(target))
            {
                Directory.Delete(target);
            }

            Directory.Move(partial, target);
            Durability.SyncDirectory(parent);
            Report(context, json, target, source.Server, verified, Stopwatch.GetElapsedTime(started));
            return ExitCodes.Ok;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            context.Err.WriteLine("registry backup: interrupted; nothing was written");
            return ExitCodes.UsageOrIo;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PersistenceException)
        {
            context.Err.WriteLine($"registry backup: {ex.Message}");
            return ExitCodes.UsageOrIo;
        }
        finally
        {
            if (Directory.Exists(partial))
            {
                Directory.Delete(partial, recursive: true);
            }
        }
    }

    /// <summary>Follows the server as a standby would until its first snapshot is installed, then closes the copy; false (after saying why) when that did not happen in time.</summary>
    /// <remarks>Records that arrived after the snapshot are in the copy too: closing the store syncs them.</remarks>
    private static async Task<bool> CopyAsync(CliContext context, BackupSource source, string directory, CancellationToken cancellationToken)
    {
        var time = TimeProvider.System;
        var deltaLog = new WalDeltaLog();
        var machine = new RegistryStateMachine(new NodeRegistry(deltaLog, time));
        var store = Store.Open(new StoreOptions { DataDirectory = directory, TimeProvider = time }, machine);
        await using (store.ConfigureAwait(false))
        {
            deltaLog.Attach(store.Log);
            store.IsStandby = true;

            // Recorded as following its source, like a standby's directory: started as a primary it begins a new epoch.
            var timeline = new TimelineKeeper(directory, Timeline.Load(directory));
            timeline.Replace(timeline.Current.WithFollowing(true));
            store.Start();

            var problems = new FirstProblemLogger<StandbyFollower>();
            var follower = new StandbyFollower(source.Server, source.Token, new StandbyReplica(store, machine), time, problems, source.Trust, timeline)
            {
                ConfirmsDurability = false,
            };
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var following = follower.RunAsync(stop.Token);
            try
            {
                // A refusal or a failed connection ends the backup at once: a standby retries, a one-off copy reports.
                var first = await Task.WhenAny(follower.FirstSnapshotInstalled, problems.First).WaitAsync(source.Timeout, time, cancellationToken).ConfigureAwait(false);
                if (first != follower.FirstSnapshotInstalled)
                {
                    context.Err.WriteLine($"registry backup: no copy of {source.Server}: {await problems.First.ConfigureAwait(false)}; nothing was written");
                    return false;
                }
            }
            catch (TimeoutException)
            {
                context.Err.WriteLine($"registry backup: no snapshot from {source.Server} within {source.Timeout.TotalSeconds:0.###} s; nothing was written");
                return false;
            }
            finally
            {
                await stop.CancelAsync().ConfigureAwait(false);
                await following.ConfigureAwait(false);
            }

            return true;
        }
    }

    private sealed record Verified(ulong Sequence, ulong SnapshotSequence, ulong Epoch, int Nodes, int Networks, long Bytes);

    /// <summary>Recovers the closed copy read-only, as <c>serve</c> would at start; null (after saying why) if that refuses or finds anything to repair.</summary>
    private static Verified? Verify(CliContext context, string directory, CancellationToken cancellationToken)
    {
        var machine = RegistryStateMachine.ReadOnly();
        RecoveryReport report;
        try
        {
            report = Store.Inspect(directory, machine, cancellationToken);
        }
        catch (Exception ex) when (ex is PersistenceException or InvalidDeltaException)
        {
            context.Err.WriteLine($"registry backup: the copy does not recover ({ex.Message}); nothing was kept");
            return null;
        }

        if (report.BytesCut > 0 || report.LogProblems.Count > 0 || !report.Snapshot.Found)
        {
            context.Err.WriteLine($"registry backup: the copy does not recover cleanly (snapshot found: {report.Snapshot.Found}, {report.BytesCut} torn bytes, {report.LogProblems.Count} log problems); nothing was kept");
            return null;
        }

        var counts = machine.Registry.GetCounts();
        var bytes = new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        return new Verified(report.LastSequence, report.SnapshotSequence, Timeline.Load(directory).Current, counts.Nodes, counts.Networks, bytes);
    }

    private static void Report(CliContext context, bool json, string directory, System.Net.EndPoint server, Verified copy, TimeSpan elapsed)
    {
        if (json)
        {
            context.Out.WriteLine(JsonLine.Object(w =>
            {
                w.WriteString("directory", directory);
                w.WriteString("server", server.ToString());
                w.WriteNumber("sequence", copy.Sequence);
                w.WriteNumber("snapshot_sequence", copy.SnapshotSequence);
                w.WriteNumber("epoch", copy.Epoch);
                w.WriteNumber("nodes", copy.Nodes);
                w.WriteNumber("networks", copy.Networks);
                w.WriteNumber("bytes", copy.Bytes);
                w.WriteNumber("duration_s", Math.Round(elapsed.TotalSeconds, 3));
            }));
            return;
        }

        context.Out.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"backup of {server} in {directory}: consistent at sequence {copy.Sequence} (snapshot {copy.SnapshotSequence}, epoch {copy.Epoch}), {copy.Nodes} nodes, {copy.Networks} networks, {copy.Bytes} bytes, {elapsed.TotalSeconds:0.###} s"));
    }

    /// <summary>Completes <see cref="First"/> with the follower's first warning or error (why it would retry).</summary>
    private sealed class FirstProblemLogger<T> : ILogger<T>
    {
        private readonly TaskCompletionSource<string> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<string> First => _first.Task;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            // The follower's message says it retries; the reason alone is what the operator needs here.
            var reason = state is IReadOnlyList<KeyValuePair<string, object?>> values
                && values.FirstOrDefault(v => string.Equals(v.Key, "Reason", StringComparison.Ordinal)).Value is string text
                ? text
                : formatter(state, exception);
            _first.TrySetResult(reason);
        }
    }
}

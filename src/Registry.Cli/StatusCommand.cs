using System.CommandLine;
using Registry.Cli.Wal;
using Registry.Core;
using Registry.Core.Lifecycle;
using Registry.Persistence;
using Registry.Persistence.IO;
using Registry.Persistence.Lifecycle;
using Registry.Cli.Loadgen;
using Registry.Server.Dispatch;
using Registry.Server.Hosting;
using Registry.Server.Security;

namespace Registry.Cli;

/// <summary>
/// <c>registry status [--data DIR] [--json]</c>: opens a data directory exactly as the registry starts (lock, recover,
/// repair a torn tail), reports it, and closes it; <c>registry status --server HOST:PORT --admin-token T</c> asks a
/// running server instead (<c>server_status</c>: role, writes, epoch, sequences, readiness, replication).
/// </summary>
internal static class StatusCommand
{
    /// <summary>The data directory used when none is given.</summary>
    public const string DefaultDataDirectory = "./data";

    public static Command Create(CliContext context)
    {
        var data = new Option<string>("--data") { Description = "The data directory (created if missing; a Go registry's directory is migrated).", DefaultValueFactory = _ => DefaultDataDirectory };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var server = new Option<string?>("--server") { Description = "Ask a running server instead, HOST:PORT (needs --admin-token): role, writes, epoch, sequences, readiness, replication." };
        var adminToken = new Option<string?>("--admin-token") { Description = "The server's admin token (with --server)." };
        var tls = new TlsClientFlags();
        var command = new Command("status", "Start the registry's persistence on a data directory as the server does (lock, load the newest verifying snapshot, replay the log, cut a torn tail), report what was recovered, and close it cleanly; or, with --server, ask a running server. Exit 0 ok, 1 recovery refused or the server refused, 2 I/O error or locked.") { data, json, server, adminToken };
        tls.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(server) is not { } target)
            {
                return await RunAsync(context, parse.GetValue(data)!, parse.GetValue(json));
            }

            if (!HostPort.TryParse(target, out var endPoint) || parse.GetValue(adminToken) is not { } token)
            {
                context.Err.WriteLine("registry status: --server must be HOST:PORT, and --admin-token is required with it");
                return ExitCodes.UsageOrIo;
            }

            return tls.TryResolve(parse, context, "status", out var trust)
                ? await AskServerAsync(context, endPoint!, trust, token, parse.GetValue(json), ct)
                : ExitCodes.UsageOrIo;
        });
        return command;
    }

    /// <summary>Sends <c>server_status</c> to <paramref name="server"/>: its reply, or the error text it answered instead.</summary>
    internal static async Task<(System.Text.Json.JsonElement? Status, string? Refused)> QueryAsync(System.Net.EndPoint server, TlsClientTrust? trust, string adminToken, CancellationToken cancellationToken)
    {
        await using var client = await LoadClient.ConnectAsync(server, trust, cancellationToken);
        var reply = await client.RequestAsync(adminToken, static (w, token) =>
        {
            w.WriteString("type", StandbyPolicy.StatusType);
            w.WriteString("admin_token", token);
        }, StandbyPolicy.StatusType + "_ok", cancellationToken);
        return reply.Ok ? (client.LastReply(), null) : (null, reply.Text);
    }

    /// <summary>Sends <c>server_status</c> and prints the reply: one JSON object without its type, or one member per line.</summary>
    private static async Task<int> AskServerAsync(CliContext context, System.Net.EndPoint endPoint, TlsClientTrust? trust, string adminToken, bool json, CancellationToken cancellationToken)
    {
        System.Text.Json.JsonElement status;
        try
        {
            var (reply, refused) = await QueryAsync(endPoint, trust, adminToken, cancellationToken);
            if (reply is not { } answered)
            {
                context.Err.WriteLine($"registry status: the server refused ({refused})");
                return ExitCodes.Damaged;
            }

            status = answered;
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or System.Security.Authentication.AuthenticationException)
        {
            context.Err.WriteLine($"registry status: {ex.Message}");
            return ExitCodes.UsageOrIo;
        }

        var members = status.EnumerateObject().Where(p => !p.NameEquals("type")).ToList();
        if (json)
        {
            context.Out.WriteLine(JsonLine.Object(w =>
            {
                foreach (var member in members)
                {
                    member.WriteTo(w);
                }
            }));
        }
        else
        {
            foreach (var member in members)
            {
                context.Out.WriteLine($"{member.Name,-20} {(member.Value.ValueKind == System.Text.Json.JsonValueKind.String ? member.Value.GetString() : member.Value.GetRawText())}");
            }
        }

        return ExitCodes.Ok;
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
            var counts = machine.Registry.GetCounts();
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
                    w.WriteNumber("nodes", counts.Nodes);
                    w.WriteNumber("networks", counts.Networks);
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

                context.Out.WriteLine($"state: {counts.Nodes} nodes, {counts.Networks} networks; recovered in {report.Duration.TotalMilliseconds:F1} ms");
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
            context.Err.WriteLine($"registry status: {ex.Message}");
            return ExitCodes.UsageOrIo;
        }
    }
}

using System.CommandLine;
using System.Globalization;
using Registry.Cli.Loadgen;
using Registry.Cli.Wal;
using Registry.Core;
using Registry.Core.Lifecycle;
using Registry.Persistence;
using Registry.Persistence.IO;
using Registry.Persistence.Lifecycle;
using Registry.Persistence.Replication;
using Registry.Server.Hosting;
using Registry.Server.Security;

namespace Registry.Cli;

/// <summary>
/// <c>registry promote --server HOST:PORT --admin-token T [--after-sequence N]</c> asks a running standby to take
/// writes; <c>registry promote --data DIR</c> promotes the data directory of a stopped server, so that it starts as a
/// primary in a new epoch, which also lifts a fence (<c>superseded_by</c>).
/// </summary>
/// <remarks>
/// Exit 0 when promoted or already a primary; 1 when the server refused or the directory cannot be recovered;
/// 2 for usage, connection or I/O errors, or a directory in use. docs/operations.md, "Running a standby and promoting it" and "Lifting a fence".
/// </remarks>
internal static class PromoteCommand
{
    public static Command Create(CliContext context)
    {
        var server = new Option<string?>("--server") { Description = "The running standby to promote, HOST:PORT (needs --admin-token)." };
        var data = new Option<string?>("--data") { Description = "The data directory of a stopped server to promote offline (it must not be running)." };
        var adminToken = new Option<string?>("--admin-token") { Description = "The server's admin token (with --server)." };
        var after = new Option<ulong?>("--after-sequence") { Description = "With --server: promote only once the standby durably holds this sequence (what step_down answered on the old primary)." };
        var timeout = new Option<double>("--timeout") { Description = "With --after-sequence: seconds the standby may take to receive it.", DefaultValueFactory = _ => 30 };
        var tls = new TlsClientFlags();
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("promote", "Make a standby a primary: a running one by request (--server), or a stopped server's data directory (--data), which also lifts a fence.")
        {
            server, data, adminToken, after, timeout, json,
        };
        tls.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var (target, directory, token) = (parse.GetValue(server), parse.GetValue(data), parse.GetValue(adminToken));
            if ((target is null) == (directory is null))
            {
                context.Err.WriteLine("registry promote: give exactly one of --server HOST:PORT (a running standby) or --data DIR (a stopped server)");
                return ExitCodes.UsageOrIo;
            }

            if (directory is not null)
            {
                return PromoteDirectory(context, directory, parse.GetValue(json), ct);
            }

            if (!HostPort.TryParse(target, out var endPoint) || token is null || parse.GetValue(timeout) is not (> 0 and <= 600))
            {
                context.Err.WriteLine("registry promote: --server must be HOST:PORT, --admin-token is required with it, --timeout in (0, 600] seconds");
                return ExitCodes.UsageOrIo;
            }

            if (!tls.TryResolve(parse, context, "promote", out var trust))
            {
                return ExitCodes.UsageOrIo;
            }

            var request = new PromoteRequest(token, parse.GetValue(after), (ulong)(parse.GetValue(timeout) * 1000));
            return await PromoteServerAsync(context, endPoint!, trust, request, parse.GetValue(json), ct);
        });
        return command;
    }

    private sealed record PromoteRequest(string Token, ulong? AfterSequence, ulong TimeoutMs);

    private static async Task<int> PromoteServerAsync(CliContext context, System.Net.EndPoint endPoint, TlsClientTrust? trust, PromoteRequest request, bool json, CancellationToken cancellationToken)
    {
        System.Text.Json.JsonElement promoted;
        try
        {
            await using var client = await LoadClient.ConnectAsync(endPoint, trust, cancellationToken);
            var reply = await client.RequestAsync(request, static (w, r) => WriteRequest(w, r.Token, r.AfterSequence, r.TimeoutMs), "promote_ok", cancellationToken);
            if (!reply.Ok)
            {
                context.Err.WriteLine($"registry promote: the server refused ({reply.Text}); nothing changed");
                return ExitCodes.Damaged;
            }

            promoted = client.LastReply();
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or System.Security.Authentication.AuthenticationException)
        {
            context.Err.WriteLine($"registry promote: {ex.Message}");
            return ExitCodes.UsageOrIo;
        }

        var wasStandby = promoted.GetProperty("was_standby").GetBoolean();
        var (sequence, epoch) = (promoted.GetProperty("sequence").GetUInt64(), promoted.GetProperty("epoch").GetUInt64());
        Report(context, json, wasStandby, sequence, epoch, before: null);
        return ExitCodes.Ok;
    }

    /// <summary>The members of a <c>promote</c> request; <c>after_sequence</c> and <c>timeout_ms</c> only with <paramref name="afterSequence"/>.</summary>
    internal static void WriteRequest(System.Text.Json.Utf8JsonWriter writer, string adminToken, ulong? afterSequence, ulong timeoutMs)
    {
        writer.WriteString("type", "promote");
        writer.WriteString("admin_token", adminToken);
        if (afterSequence is { } after)
        {
            writer.WriteNumber("after_sequence", after);
            writer.WriteNumber("timeout_ms", timeoutMs);
        }
    }

    /// <summary>Records in the directory's timeline that it begins a new epoch after its last recovered record, with the lock held so no server runs on it meanwhile.</summary>
    public static int PromoteDirectory(CliContext context, string directory, bool json, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(directory))
        {
            context.Err.WriteLine($"registry promote: no directory at {directory}");
            return ExitCodes.UsageOrIo;
        }

        try
        {
            using var held = DirectoryLock.Acquire(directory);
            var timeline = Timeline.Load(directory);
            var last = LastSequence(directory, cancellationToken);
            if (!timeline.Following && timeline.SupersededBy is null && timeline.SteppedDownAt is null)
            {
                Report(context, json, wasStandby: false, last, timeline.Current, timeline);
                return ExitCodes.Ok;
            }

            // The new epoch starts after every record recovery will keep, so the first write after the start is in it.
            // A step-down ends the same way: whether or not its switchover promoted the standby, the histories stay
            // apart from here.
            var promoted = timeline.Promote(last + 1);
            promoted.Save(directory);
            Report(context, json, wasStandby: timeline.Following, last, promoted.Current, timeline);
            return ExitCodes.Ok;
        }
        catch (DirectoryLockedException)
        {
            context.Err.WriteLine($"registry promote: {directory} is in use by a running server; send it the promote request instead (--server HOST:PORT)");
            return ExitCodes.UsageOrIo;
        }
        catch (PersistenceException ex)
        {
            context.Err.WriteLine($"registry promote: the directory cannot be recovered, nothing changed: {ex.Message}");
            return ExitCodes.Damaged;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDeltaException)
        {
            context.Err.WriteLine($"registry promote: {ex.Message}");
            return ExitCodes.UsageOrIo;
        }
    }

    /// <summary>The last sequence a server starting on <paramref name="directory"/> would recover, found read-only.</summary>
    private static ulong LastSequence(string directory, CancellationToken cancellationToken)
    {
        var machine = RegistryStateMachine.ReadOnly();
        return Store.Inspect(directory, machine, cancellationToken).LastSequence;
    }

    /// <summary>Prints what the promotion did; the marks of <paramref name="before"/> (a directory's timeline before the command, null for a running server) are what it lifted.</summary>
    private static void Report(CliContext context, bool json, bool wasStandby, ulong sequence, ulong epoch, Timeline? before)
    {
        var (supersededBy, steppedDownAt) = (before?.SupersededBy, before?.SteppedDownAt);
        if (json)
        {
            context.Out.WriteLine(JsonLine.Object(w =>
            {
                w.WriteBoolean("was_standby", wasStandby);
                w.WriteNumber("sequence", sequence);
                w.WriteNumber("epoch", epoch);
                if (supersededBy is { } mark)
                {
                    w.WriteNumber("lifted_superseded_by", mark);
                }

                if (steppedDownAt is { } stepped)
                {
                    w.WriteNumber("ended_step_down_at", stepped);
                }
            }));
            return;
        }

        if (!wasStandby && supersededBy is null && steppedDownAt is null)
        {
            context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"already a primary (epoch {epoch}, last sequence {sequence}); nothing changed"));
            return;
        }

        context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"promoted: epoch {epoch} begins after sequence {sequence}"));
        if (steppedDownAt is { } ended)
        {
            context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ended the step-down at sequence {ended}: start it without --standby-of to take writes"));
        }

        if (supersededBy is { } lifted)
        {
            context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"lifted the fence of epoch {lifted}: the writes that server took in epoch {lifted} are not in this directory, and it must not take writes again"));
        }
    }
}

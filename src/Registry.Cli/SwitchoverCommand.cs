using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Registry.Cli.Loadgen;
using Registry.Cli.Wal;
using Registry.Server.Hosting;
using Registry.Server.Security;

namespace Registry.Cli;

/// <summary><c>registry switchover --primary HOST:PORT --standby HOST:PORT --admin-token T</c>: a planned failover that loses no acknowledged write.</summary>
/// <remarks>
/// Sends <c>step_down</c> to the primary (it refuses writes from then on and answers the last sequence it
/// acknowledged), then <c>promote</c> with that <c>after_sequence</c> to the standby (it waits until it durably holds
/// it, then takes writes in a new epoch). Exit 0 when switched over; 1 when a server refused (the message says which
/// and what state it left); 2 for usage or connection errors. docs/operations.md, "Planned switchover".
/// </remarks>
internal static class SwitchoverCommand
{
    public static Command Create(CliContext context)
    {
        var primary = new Option<string>("--primary") { Description = "The current primary's HOST:PORT.", Required = true };
        var standby = new Option<string>("--standby") { Description = "The standby to promote, HOST:PORT.", Required = true };
        var adminToken = new Option<string>("--admin-token") { Description = "The admin token of both servers (or of the primary, with --standby-admin-token).", Required = true };
        var standbyAdminToken = new Option<string?>("--standby-admin-token") { Description = "The standby's admin token, when it differs from the primary's." };
        var timeout = new Option<double>("--timeout") { Description = "Seconds the standby may take to receive the primary's last records.", DefaultValueFactory = _ => 30 };
        var primaryPin = new Option<string?>("--primary-tls-pin") { Description = "Dial the primary over TLS, accepting only this certificate pin." };
        var standbyPin = new Option<string?>("--standby-tls-pin") { Description = "Dial the standby over TLS, accepting only this certificate pin." };
        var tlsCa = new Option<string?>("--tls-ca") { Description = "Dial both over TLS, validating their certificates against the CA certificates of this PEM file." };
        var tlsSystemTrust = new Option<bool>("--tls-system-trust") { Description = "Dial both over TLS, validating their certificates against the system trust store." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("switchover", "Planned failover: step the primary down, wait until the standby holds everything it acknowledged, promote the standby.")
        {
            primary, standby, adminToken, standbyAdminToken, timeout, primaryPin, standbyPin, tlsCa, tlsSystemTrust, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            if (!HostPort.TryParse(parse.GetValue(primary), out var primaryEndPoint) || !HostPort.TryParse(parse.GetValue(standby), out var standbyEndPoint)
                || parse.GetValue(timeout) is not (> 0 and <= 600))
            {
                context.Err.WriteLine("registry switchover: --primary and --standby must be HOST:PORT, --timeout in (0, 600] seconds");
                return ExitCodes.UsageOrIo;
            }

            TlsClientTrust? primaryTrust, standbyTrust;
            try
            {
                var ca = parse.GetValue(tlsCa);
                var system = parse.GetValue(tlsSystemTrust);
                primaryTrust = TlsClientTrust.From(parse.GetValue(primaryPin), ca, system);
                standbyTrust = TlsClientTrust.From(parse.GetValue(standbyPin), ca, system);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidDataException)
            {
                context.Err.WriteLine($"registry switchover: tls: {ex.Message}");
                return ExitCodes.UsageOrIo;
            }

            var token = parse.GetValue(adminToken)!;
            var targets = new Targets(primaryEndPoint!, primaryTrust, token, standbyEndPoint!, standbyTrust, parse.GetValue(standbyAdminToken) ?? token);
            return await RunAsync(context, targets, TimeSpan.FromSeconds(parse.GetValue(timeout)), parse.GetValue(json), ct);
        });
        return command;
    }

    /// <summary>Why the switchover must not start (the primary is not a writable primary, or the standby does not follow it), or null.</summary>
    /// <remarks>
    /// Promoting a standby of another primary would "succeed" as soon as its own sequence passed the step-down's, and
    /// leave this primary's writes behind; the standby is checked by its identity among the primary's subscribers,
    /// which an address cannot fake. Servers too old to answer <c>server_status</c> are not checked.
    /// </remarks>
    private static async Task<string?> PreflightAsync(Targets targets, CancellationToken cancellationToken)
    {
        // A standby reconnects within its retry delay (3 s) after a blip: give it that long to show up before refusing.
        var deadline = Stopwatch.GetTimestamp() + (long)(StandbyReconnectAllowance.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var (problem, standbyMissing) = await CheckOnceAsync(targets, cancellationToken);
            if (!standbyMissing || Stopwatch.GetTimestamp() >= deadline)
            {
                return problem;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }
    }

    /// <summary>How long the check waits for a standby that follows the primary but is not connected at the moment.</summary>
    private static readonly TimeSpan StandbyReconnectAllowance = TimeSpan.FromSeconds(5);

    /// <summary>One look at both servers; the problem found, and whether it is only that the standby is not connected to the primary (yet).</summary>
    private static async Task<(string? Problem, bool StandbyMissing)> CheckOnceAsync(Targets targets, CancellationToken cancellationToken)
    {
        var (primary, primaryRefused) = await StatusAsync(targets.Primary, targets.PrimaryTrust, targets.PrimaryToken, cancellationToken);
        var (standby, standbyRefused) = await StatusAsync(targets.Standby, targets.StandbyTrust, targets.StandbyToken, cancellationToken);
        if ((primaryRefused ?? standbyRefused) is { } refused)
        {
            return (refused, false);
        }

        if (primary is not { } p || standby is not { } s)
        {
            return (null, false);
        }

        if (!p.GetProperty("role").ValueEquals("primary") || !p.GetProperty("writes").GetBoolean())
        {
            return ($"{targets.Primary} is not a primary taking writes ({(p.TryGetProperty("writes_refused", out var why) ? why.GetString() : p.GetProperty("role").GetString())})", false);
        }

        if (!s.GetProperty("role").ValueEquals("standby"))
        {
            return ($"{targets.Standby} is not a standby (it is a {s.GetProperty("role").GetString()})", false);
        }

        var id = s.TryGetProperty("server_id", out var sid) ? sid.GetString() : null;
        if (id is null || !p.GetProperty("standby_ids").EnumerateArray().Any(e => e.ValueEquals(id)))
        {
            // A standby in touch with a primary right now is in touch with another one; one that is not may be
            // between two connection attempts to this one.
            var follows = s.TryGetProperty("standby_of", out var of) ? of.GetString() : "an unknown primary";
            var inTouch = s.TryGetProperty("since_primary_ms", out var since) && since.TryGetUInt64(out var ms) && ms < 2000;
            return ($"{targets.Standby} is not connected to {targets.Primary} as its standby (it follows {follows})", id is not null && !inTouch);
        }

        return (null, false);
    }

    /// <summary>A server's <c>server_status_ok</c> reply; neither it nor a refusal when the server does not know the request (an older build).</summary>
    private static async Task<(JsonElement? Status, string? Refused)> StatusAsync(EndPoint server, TlsClientTrust? trust, string token, CancellationToken cancellationToken)
    {
        var (status, refused) = await StatusCommand.QueryAsync(server, trust, token, cancellationToken);
        return status is not null || string.Equals(refused, "request failed", StringComparison.Ordinal)
            ? (status, null)
            : (null, $"{server} refused server_status ({refused})");
    }

    private sealed record Targets(EndPoint Primary, TlsClientTrust? PrimaryTrust, string PrimaryToken, EndPoint Standby, TlsClientTrust? StandbyTrust, string StandbyToken);

    private static async Task<int> RunAsync(CliContext context, Targets targets, TimeSpan timeout, bool json, CancellationToken cancellationToken)
    {
        JsonElement stepped, promoted;
        ulong last;
        try
        {
            if (await PreflightAsync(targets, cancellationToken) is { } problem)
            {
                context.Err.WriteLine($"registry switchover: {problem}; nothing changed");
                return ExitCodes.Damaged;
            }

            await using (var primary = await LoadClient.ConnectAsync(targets.Primary, targets.PrimaryTrust, cancellationToken))
            {
                var reply = await primary.RequestAsync(targets.PrimaryToken, static (w, t) =>
                {
                    w.WriteString("type", "step_down");
                    w.WriteString("admin_token", t);
                }, "step_down_ok", cancellationToken);
                if (!reply.Ok)
                {
                    context.Err.WriteLine($"registry switchover: the primary refused to step down ({reply.Text}); nothing changed");
                    return ExitCodes.Damaged;
                }

                stepped = primary.LastReply();
            }

            last = stepped.GetProperty("sequence").GetUInt64();
            await using (var standby = await LoadClient.ConnectAsync(targets.Standby, targets.StandbyTrust, cancellationToken))
            {
                var reply = await standby.RequestAsync(
                    (Token: targets.StandbyToken, After: last, TimeoutMs: (ulong)timeout.TotalMilliseconds),
                    static (w, s) => PromoteCommand.WriteRequest(w, s.Token, s.After, s.TimeoutMs),
                    "promote_ok",
                    cancellationToken);
                if (!reply.Ok)
                {
                    context.Err.WriteLine($"registry switchover: the standby was not promoted ({reply.Text}). The primary is stepped down (read-only, also after a restart) at sequence {last}: retry the switchover, or send the primary a promote request (registry promote --server PRIMARY --admin-token T) to take writes again");
                    return ExitCodes.Damaged;
                }

                promoted = standby.LastReply();
                if (!promoted.GetProperty("was_standby").GetBoolean())
                {
                    context.Err.WriteLine($"registry switchover: {targets.Standby} is already a primary, not a standby; nothing was promoted. The old primary is stepped down (read-only) at sequence {last}");
                    return ExitCodes.Damaged;
                }
            }
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or System.Security.Authentication.AuthenticationException)
        {
            context.Err.WriteLine($"registry switchover: {ex.Message}");
            return ExitCodes.UsageOrIo;
        }

        var oldEpoch = stepped.GetProperty("epoch").GetUInt64();
        var (sequence, epoch) = (promoted.GetProperty("sequence").GetUInt64(), promoted.GetProperty("epoch").GetUInt64());
        if (json)
        {
            context.Out.WriteLine(JsonLine.Object(w =>
            {
                w.WriteNumber("stepped_down_at", last);
                w.WriteNumber("old_epoch", oldEpoch);
                w.WriteNumber("promoted_at", sequence);
                w.WriteNumber("epoch", epoch);
            }));
        }
        else
        {
            context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"primary stepped down at sequence {last} (epoch {oldEpoch}); standby promoted, epoch {epoch} begins after sequence {sequence}"));
            context.Out.WriteLine("restart the old primary with --standby-of pointing at the new one to make it its standby");
        }

        return ExitCodes.Ok;
    }
}

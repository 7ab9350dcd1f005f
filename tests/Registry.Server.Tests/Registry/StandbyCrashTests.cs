using Microsoft.Extensions.DependencyInjection;
using Registry.Core.Lifecycle;
using Registry.Persistence.Lifecycle;
using Registry.Persistence.Tests;
using Registry.Server.Hosting;

namespace Registry.Server.Tests.Registry;

/// <summary>kill -9 of a standby process while it follows a primary under write load, again and again.</summary>
/// <remarks>
/// The standby applies the next chunk of records while the previous one syncs, so a kill finds chunks applied in
/// memory but not yet written (lost with the process) and chunks written but not synced (kept by the page cache: a
/// process kill tears nothing; torn tails are the truncation sweeps' subject). Each restart must resume from the last
/// record it kept and end with exactly the primary's state: nothing skipped, nothing applied twice. The test's output
/// has each start's recovery line (records replayed, last sequence).
/// </remarks>
public sealed class StandbyCrashTests
{
    private const string Token = "standby-crash-token";
    private const int Writers = 4;
    private const int Cycles = 4;

    [Fact]
    public async Task KillDash9_StandbyMidStream_Repeatedly_ItResumesAndEndsWithThePrimarysExactState()
    {
        var ct = Timeouts.Bounded(150);
        using var dir = new TempDirectory();
        await using var primary = await RegistryTestHost.StartAsync(dir.Combine("primary"), ct, settings: new Dictionary<string, string?> { ["Registry:ReplicationToken"] = Token });
        var progress = new WriteProgress(Writers);
        using var stopWriting = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(() => WriteAsync(primary, w, progress, stopWriting.Token), ct)).ToArray();
        var standbyDirectory = dir.Combine("standby");
        string[] standbyArgs = ["--standby-of", primary.EndPoint.ToString(), "--replication-token", Token];

        for (var cycle = 0; cycle < Cycles; cycle++)
        {
            using var standby = await ServeProcess.StartAsync(standbyDirectory, ct, extraArgs: standbyArgs);
            TestContext.Current.TestOutputHelper?.WriteLine(RecoveryLine(standby.Output));

            // Streaming, not catching up from a snapshot: a node registered after the start is visible there.
            var later = progress.Acknowledged + 2 * Writers * 2;
            await Poll.UntilAsync(() => Task.FromResult(progress.Acknowledged >= later), "the writers stalled", ct);
            var (recent, _) = progress.Last(0);
            await Poll.UntilAsync(async () => await IsVisibleAsync(standby, recent, null, ct), $"cycle {cycle}: the standby never showed node {recent}\n{standby.Output}", ct);
            var killAt = progress.Acknowledged + 150;
            await Poll.UntilAsync(() => Task.FromResult(progress.Acknowledged >= killAt), "the writers stalled", ct);
            standby.KillHard();
            await standby.WaitForExitAsync(ct);
        }

        await stopWriting.CancelAsync();
        await Task.WhenAll(writers);

        // A writer stopped while its request was on the wire: once its connection is gone, that request is applied or dropped.
        var service = primary.Services.GetRequiredService<RegistryServerService>();
        await Poll.UntilAsync(() => Task.FromResult(service.ConnectionCount == 0), "the writers' connections never closed", ct);
        var expected = PrimaryStandbyTests.Backend(primary).Registry!.State.ToCanonicalJson();
        var expectedSequence = PrimaryStandbyTests.Applied(primary);

        using (var standby = await ServeProcess.StartAsync(standbyDirectory, ct, extraArgs: standbyArgs))
        {
            TestContext.Current.TestOutputHelper?.WriteLine(RecoveryLine(standby.Output));
            // Records stream in sequence order: once every writer's last write is visible, so is everything before it.
            for (var w = 0; w < Writers; w++)
            {
                var (id, tag) = progress.Last(w);
                await Poll.UntilAsync(async () => await IsVisibleAsync(standby, id, tag, ct), $"writer {w}'s last write (node {id}, tag {tag}) never reached the standby\n{standby.Output}", ct);
            }

            await standby.TerminateAsync(ct);
            Assert.Equal(0, await standby.WaitForExitAsync(ct));
        }

        var machine = RegistryStateMachine.ReadOnly();
        var report = Store.Inspect(standbyDirectory, machine, ct);
        Assert.Equal(expectedSequence, report.LastSequence);
        Assert.Equal(expected, machine.Registry.ToCanonicalJson());
    }

    /// <summary>The start's recovery report (records replayed, torn bytes cut), for the test's output.</summary>
    private static string RecoveryLine(string output) =>
        output.Split('\n').FirstOrDefault(l => l.Contains("Recovered ", StringComparison.Ordinal)) ?? "(no recovery line)";

    /// <summary>Registers a node and tags it, over and over, until stopped; every acknowledged write is counted.</summary>
    private static async Task WriteAsync(RegistryTestHost primary, int writer, WriteProgress progress, CancellationToken stop)
    {
        using var client = await primary.ConnectAsync(stop);
        try
        {
            for (var i = 0; ; i++)
            {
                using var key = new NodeKey();
                var id = await client.RegisterAsync(key, stop);
                progress.Acknowledge(writer, id, null);
                var tag = $"w{writer}-n{i}";
                await client.OkAsync(new { type = "set_tags", node_id = id, tags = new[] { tag }, signature = key.Sign($"set_tags:{id}") }, stop);
                progress.Acknowledge(writer, id, tag);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private static async Task<bool> IsVisibleAsync(ServeProcess standby, uint nodeId, string? tag, CancellationToken ct)
    {
        try
        {
            using var client = await standby.ConnectAsync(ct);
            var reply = await client.SendAsync(new { type = "lookup", node_id = nodeId }, ct);
            return reply.GetProperty("type").GetString() == "lookup_ok"
                && (tag is null || reply.GetProperty("tags").EnumerateArray().Any(t => t.GetString() == tag));
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    /// <summary>What the writers had acknowledged: a count, and each writer's last write.</summary>
    private sealed class WriteProgress(int writers)
    {
        private readonly (uint Id, string? Tag)[] _last = new (uint, string?)[writers];
        private readonly Lock _lock = new();
        private long _acknowledged;

        public long Acknowledged => Interlocked.Read(ref _acknowledged);

        public void Acknowledge(int writer, uint id, string? tag)
        {
            lock (_lock)
            {
                _last[writer] = (id, tag);
            }

            Interlocked.Increment(ref _acknowledged);
        }

        public (uint Id, string? Tag) Last(int writer)
        {
            lock (_lock)
            {
                return _last[writer];
            }
        }
    }
}

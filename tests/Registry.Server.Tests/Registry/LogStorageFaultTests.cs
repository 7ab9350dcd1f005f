using System.Text.RegularExpressions;
using Registry.Persistence.Tests;

namespace Registry.Server.Tests.Registry;

/// <summary>
/// Which system calls the real process uses on its data files (so the strace drills target the right ones), and a
/// fault on the log's own directory sync, issued when a snapshot rotates the log.
/// </summary>
public sealed partial class LogStorageFaultTests(SeededDataDirectory seeded) : IClassFixture<SeededDataDirectory>
{
    /// <summary>
    /// Data files are written only with <c>pwrite64</c> (never <c>write</c>, <c>writev</c> or <c>pwritev</c>) and made
    /// durable with <c>fdatasync</c> (files) and <c>fsync</c> (directories); snapshots are put in place with <c>rename</c>.
    /// </summary>
    /// <remarks>
    /// The fault drills inject into exactly these calls. Should the code start writing data files through another call,
    /// this fails, and the drills need a case for it: a fault injected into a call nobody makes proves nothing.
    /// <c>write</c> is used by the process only for its console log (a pipe here), never for a file in the data directory.
    /// </remarks>
    [Fact]
    public async Task DataFiles_WrittenOnlyWithPwrite64_SyncedWithFdatasyncAndFsync_SnapshotsRenamed()
    {
        if (!FaultDrill.RequireStrace())
        {
            return;
        }

        var ct = Timeouts.Bounded(60);
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        var trace = dir.Combine("strace.log");
        var metricsPort = LoopbackPort.Free();
        string[] strace = ["strace", "-f", "--seccomp-bpf", "-qq", "-y", "-o", trace, "-e", "trace=write,writev,pwrite64,pwritev,pwritev2,fdatasync,fsync,sync_file_range,rename,renameat,renameat2"];
        using (var serve = await ServeProcess.StartAsync(data, ct, strace, FaultDrill.SnapshotEveryTick, "--metrics-listen", $"127.0.0.1:{metricsPort}"))
        {
            using var client = await serve.ConnectAsync(ct);
            _ = await FaultDrill.RegisterTaggedAsync(client, "inventory", 4, ct);

            // Two saves: the second renames the first to the previous generation.
            await FaultDrill.WaitForMetricAsync(metricsPort, "registry_snapshot_saves_total", v => v >= 2, ct);
            await serve.KillTreeAndWaitAsync(ct);
        }

        // Every call naming a path in the data directory, as (syscall, the line).
        var calls = FaultDrill.ReadTrace(trace)
            .Select(l => (Match: CallPattern().Match(l), Line: l))
            .Where(c => c.Match.Success && c.Line.Contains(data, StringComparison.Ordinal))
            .Select(c => (Syscall: c.Match.Groups["syscall"].Value, c.Line))
            .ToList();
        var segment = Path.Combine(data, "wal", "00000000000000000001.wal");
        var snapshot = Path.Combine(data, "snapshot.json");
        var listing = string.Join('\n', calls.Select(c => c.Line));

        Assert.DoesNotContain(calls, c => c.Syscall is "write" or "writev" or "pwritev" or "pwritev2");
        Assert.Contains(calls, c => c.Syscall == "pwrite64" && c.Line.Contains($"<{segment}>", StringComparison.Ordinal));
        Assert.Contains(calls, c => c.Syscall == "fdatasync" && c.Line.Contains($"<{segment}>", StringComparison.Ordinal));
        Assert.Contains(calls, c => c.Syscall == "fsync" && c.Line.Contains($"<{Path.Combine(data, "wal")}>", StringComparison.Ordinal));
        Assert.Contains(calls, c => c.Syscall == "pwrite64" && c.Line.Contains($"<{snapshot}.tmp>", StringComparison.Ordinal));
        Assert.Contains(calls, c => c.Syscall == "fdatasync" && c.Line.Contains($"<{snapshot}.tmp>", StringComparison.Ordinal));
        Assert.Contains(calls, c => c.Syscall == "rename" && c.Line.Contains($"(\"{snapshot}\", \"{snapshot}.1\")", StringComparison.Ordinal));
        Assert.Contains(calls, c => c.Syscall == "rename" && c.Line.Contains($"(\"{snapshot}.tmp\", \"{snapshot}\")", StringComparison.Ordinal));
        Assert.True(calls.Exists(c => c.Syscall == "fsync" && c.Line.Contains($"<{data}>", StringComparison.Ordinal)), listing);

        // Nothing else touches the data directory's files through these calls.
        Assert.All(calls, c => Assert.Contains(c.Syscall, new[] { "pwrite64", "fdatasync", "fsync", "rename" }));
    }

    /// <summary>
    /// The log's directory fsync fails when a snapshot rotates the log (the new segment's entry must be durable): the
    /// log is poisoned as for a failed append: later writes refused, reads served, <c>/readyz</c> says why, and a
    /// restart without the fault keeps every acknowledged mutation.
    /// </summary>
    [Fact]
    public async Task LogDirectoryFsyncFails_AtRotation_LogFailStops_ReadsServed_RestartKeepsAcknowledged()
    {
        if (!FaultDrill.RequireStrace())
        {
            return;
        }

        var ct = Timeouts.Bounded(90);
        using var dir = new TempDirectory();
        var data = seeded.CopyTo(dir);
        var walDirectory = Path.Combine(data, "wal");
        var trace = dir.Combine("strace.log");
        var metricsPort = LoopbackPort.Free();
        var acknowledged = new List<AcknowledgedNode>(seeded.Nodes);

        // Opening the seeded log creates no segment, so the first fsync of data/wal is the rotation of the first save.
        var strace = FaultDrill.Inject("fsync", "EIO", trace, [walDirectory]);
        using (var serve = await ServeProcess.StartAsync(data, ct, strace, FaultDrill.SnapshotEveryTick, "--metrics-listen", $"127.0.0.1:{metricsPort}"))
        {
            using var client = await serve.ConnectAsync(ct);

            // Registrations until one is refused: the first one dirties the state, and the next save tick rotates the log.
            string? refusal = null;
            while (refusal is null)
            {
                using var key = new NodeKey();
                var reply = await client.SendAsync(new { type = "register", public_key = key.PublicKey, listen_addr = "203.0.113.7:4000" }, ct);
                if (reply.GetProperty("type").GetString() == "register_ok")
                {
                    acknowledged.Add(new AcknowledgedNode(reply.GetProperty("node_id").GetUInt32(), key.PublicKey, null));
                }
                else
                {
                    refusal = reply.ToString();
                }
            }

            Assert.True(acknowledged.Count > seeded.Nodes.Count, "the first registration was refused: " + refusal);
            Assert.Equal(1, await FaultDrill.ScrapeAsync(metricsPort, "registry_wal_poisoned", ct));

            // Fail-stop: writes stay refused, reads keep working.
            using (var laterKey = new NodeKey())
            {
                var later = await client.SendAsync(new { type = "register", public_key = laterKey.PublicKey }, ct);
                Assert.Equal("error", later.GetProperty("type").GetString());
            }

            var missingWhilePoisoned = await FaultDrill.MissingAsync(client, acknowledged, ct);
            Assert.True(missingWhilePoisoned.Count == 0, string.Join('\n', missingWhilePoisoned));

            var (status, body) = await FaultDrill.ReadyzAsync(metricsPort, ct);
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, status);
            Assert.Contains("poisoned", body, StringComparison.Ordinal);

            // The save whose rotation failed is counted as a failed snapshot (right after the log was poisoned).
            await FaultDrill.WaitForMetricAsync(metricsPort, "registry_snapshot_failures_total", v => v >= 1, ct);
            await serve.KillTreeAndWaitAsync(ct);
        }

        var injected = FaultDrill.InjectedCalls(trace);
        Assert.NotEmpty(injected);
        Assert.All(injected, line => Assert.Contains($"<{walDirectory}>", line, StringComparison.Ordinal));

        using var restarted = await ServeProcess.StartAsync(data, ct);
        using var again = await restarted.ConnectAsync(ct);
        var missing = await FaultDrill.MissingAsync(again, acknowledged, ct);
        Assert.True(missing.Count == 0, $"acknowledged mutations missing after restart:\n{string.Join('\n', missing)}");
        _ = await FaultDrill.RegisterTaggedAsync(again, "healed", 1, ct);
        await restarted.KillTreeAndWaitAsync(ct);
    }

    [GeneratedRegex(@"^\d+\s+(?<syscall>\w+)\(")]
    private static partial Regex CallPattern();
}

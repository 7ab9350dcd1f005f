using Registry.Persistence.Snapshots;
using Registry.Persistence.Tests;

namespace Registry.Server.Tests.Registry;

/// <summary>
/// Storage errors injected (strace) into each step of the real process's snapshot save: a failed snapshot is counted
/// and retried, never poisons the log, never leaves the temp file as a generation, and loses nothing.
/// </summary>
/// <remarks>
/// The save sequence, as strace shows it (docs/snapshot-format.md, "Atomic write"): <c>pwrite64</c> and
/// <c>fdatasync</c> of <c>snapshot.json.tmp</c>, <c>rename</c> current to <c>.1</c>, <c>rename</c> temp to current,
/// <c>fsync</c> of the data directory. Each case fails every call of one step, selected by path, from a directory that
/// already holds two good generations; the save loop runs every 50 ms, so the fault is hit again and again. strace's
/// path filter matches a <c>rename</c> by its source only (checked with strace 6.1), so <c>-P snapshot.json</c> selects
/// step 4 and <c>-P snapshot.json.tmp</c> step 5; should it match both names, <c>-P snapshot.json</c> still fails step 4
/// first, so the outcome asserted stays the same.
/// </remarks>
public sealed class SnapshotStorageFaultTests(SeededDataDirectory seeded) : IClassFixture<SeededDataDirectory>
{
    [Theory]
    [InlineData("pwrite64", "ENOSPC", "snapshot.json.tmp", "write temp")]
    [InlineData("pwrite64", "EIO", "snapshot.json.tmp", "write temp")]
    [InlineData("fdatasync", "EIO", "snapshot.json.tmp", "sync temp")]
    [InlineData("rename", "EIO", "snapshot.json", "rename current")]
    [InlineData("rename", "ENOSPC", "snapshot.json.tmp", "rename temp")]
    [InlineData("fsync", "EIO", ".", "sync directory")]
    public async Task SnapshotStepFails_MutationsStillAcknowledged_FailureCounted_GenerationsLoadable_RestartKeepsAll(string syscall, string errno, string target, string step)
    {
        if (!FaultDrill.RequireStrace())
        {
            return;
        }

        var ct = Timeouts.Bounded(90);
        using var dir = new TempDirectory();
        var data = seeded.CopyTo(dir);
        var current = Path.Combine(data, "snapshot.json");
        var previous = current + ".1";
        var temp = current + ".tmp";
        var seededCurrent = await File.ReadAllBytesAsync(current, ct);
        var seededPrevious = await File.ReadAllBytesAsync(previous, ct);
        var seededSequence = SnapshotReader.Read(current).WalSeq;
        var targetPath = Path.TrimEndingDirectorySeparator(Path.GetFullPath(Path.Combine(data, target)));
        var trace = dir.Combine("strace.log");
        var metricsPort = LoopbackPort.Free();
        var acknowledged = new List<AcknowledgedNode>(seeded.Nodes);

        // unlink is traced too (not failed), to see what a failed save does with its temp file.
        var strace = FaultDrill.Inject(syscall, errno, trace, [targetPath, temp], alsoTrace: "unlink");
        var serveOutput = "";
        using (var serve = await ServeProcess.StartAsync(data, ct, strace, FaultDrill.SnapshotEveryTick, "--metrics-listen", $"127.0.0.1:{metricsPort}"))
        {
            using var client = await serve.ConnectAsync(ct);
            acknowledged.AddRange(await FaultDrill.RegisterTaggedAsync(client, "before", 5, ct));

            // A failed save leaves the state dirty, so the loop retries it on every tick: wait for repeated failures.
            await FaultDrill.WaitForMetricAsync(metricsPort, "registry_snapshot_failures_total", v => v >= 2, ct);

            // The log is not affected: mutations after the failed snapshots are acknowledged as before.
            acknowledged.AddRange(await FaultDrill.RegisterTaggedAsync(client, "after", 5, ct));
            Assert.Equal(0, await FaultDrill.ScrapeAsync(metricsPort, "registry_snapshot_saves_total", ct));
            Assert.Equal(0, await FaultDrill.ScrapeAsync(metricsPort, "registry_wal_poisoned", ct));
            var (status, body) = await FaultDrill.ReadyzAsync(metricsPort, ct);
            Assert.True(status == System.Net.HttpStatusCode.OK, $"/readyz {status}: {body}");
            await FaultDrill.WaitForOutputAsync(serve, $"snapshot save failed at '{step}'", ct);
            await serve.KillTreeAndWaitAsync(ct);
            serveOutput = serve.Output;
        }

        // The fault was really hit, repeatedly, on the targeted file (the test cannot pass vacuously)...
        var lines = FaultDrill.ReadTrace(trace);
        var injected = Enumerable.Range(0, lines.Count).Where(i => lines[i].Contains("(INJECTED)", StringComparison.Ordinal)).ToList();
        Assert.True(injected.Count >= 2, $"expected repeated injected {syscall} calls on {targetPath}:\n{string.Join('\n', lines)}");
        Assert.All(injected, i => Assert.True(lines[i].Contains($"<{targetPath}>", StringComparison.Ordinal) || lines[i].Contains($"(\"{targetPath}\"", StringComparison.Ordinal), lines[i]));

        // ...and each failed save removed its temp file at once: the thread's next traced call is that unlink, unless the
        // kill came first (strace then shows the call unfinished, "= ?", or the thread killed). After the directory sync
        // failed, the temp file is already the current generation: nothing is left to remove.
        var removed = step == "sync directory" ? "= -1 ENOENT" : "= 0";
        foreach (var i in injected)
        {
            var thread = lines[i][..lines[i].IndexOf(' ', StringComparison.Ordinal)];
            var next = lines.Skip(i + 1).FirstOrDefault(l => l.StartsWith(thread + " ", StringComparison.Ordinal));
            var killed = next is null || next.Contains("+++ killed by SIGKILL", StringComparison.Ordinal) || next.EndsWith("= ?", StringComparison.Ordinal) || next.EndsWith(" <unfinished ...>", StringComparison.Ordinal);
            Assert.True(killed || next!.Contains($"unlink(\"{temp}\") {removed}", StringComparison.Ordinal), $"after the failure in line {i + 1} the temp file was not removed: {next}" + Evidence());
        }

        // Every generation on disk still verifies; a temp file left by the kill itself (a crash mid-save) is never one.
        foreach (var generation in new[] { current, previous }.Where(File.Exists))
        {
            _ = SnapshotReader.Read(generation);
        }

        var expectedGeneration = 0;
        switch (step)
        {
            case "rename temp":
                // Step 4 moved the current generation aside before step 5 failed: the old current is now the previous
                // generation, and there is no current (the state "crash after 4, before 5" of the crash argument).
                Assert.False(File.Exists(current), "a current generation appeared although renaming the temp file always failed" + Evidence());
                Assert.True(seededCurrent.SequenceEqual(File.ReadAllBytes(previous)), "the previous generation is not the old current one" + Evidence());
                expectedGeneration = 1;
                break;
            case "sync directory" when !File.Exists(current):
                // The kill landed between the two renames of a save: the documented crash state, previous generation used.
                expectedGeneration = 1;
                break;
            case "sync directory":
                // Both renames happened before the directory sync failed: a newer snapshot is the current generation.
                Assert.True(SnapshotReader.Read(current).WalSeq > seededSequence, "the current generation is not the newer snapshot" + Evidence());
                break;
            default:
                // The failure came before any rename: both generations are exactly as they were.
                Assert.True(File.Exists(current) && seededCurrent.SequenceEqual(File.ReadAllBytes(current)), "the current generation changed" + Evidence());
                Assert.True(seededPrevious.SequenceEqual(File.ReadAllBytes(previous)), "the previous generation changed" + Evidence());
                break;
        }

        // Without the fault: every acknowledged mutation is there, writes are accepted and snapshots succeed again.
        using var restarted = await ServeProcess.StartAsync(data, ct, null, FaultDrill.SnapshotEveryTick, "--metrics-listen", $"127.0.0.1:{metricsPort}");
        Assert.Equal(expectedGeneration, FaultDrill.Recovery(restarted.Output).Generation);
        using var again = await restarted.ConnectAsync(ct);
        var missing = await FaultDrill.MissingAsync(again, acknowledged, ct);
        Assert.True(missing.Count == 0, $"acknowledged mutations missing after restart:\n{string.Join('\n', missing)}");
        _ = await FaultDrill.RegisterTaggedAsync(again, "healed", 1, ct);
        await FaultDrill.WaitForMetricAsync(metricsPort, "registry_snapshot_saves_total", v => v >= 1, ct);
        await restarted.KillTreeAndWaitAsync(ct);

        string Evidence() => $"\nfiles: {string.Join(' ', FaultDrill.Fingerprint(data).Keys)}\nstrace:\n{string.Join('\n', lines)}\nserve:\n{serveOutput}";
    }
}

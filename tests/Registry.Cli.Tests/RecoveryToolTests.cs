using System.Text.Json.Nodes;
using Registry.Persistence.IO;

namespace Registry.Cli.Tests;

public class RecoveryToolTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "go", name);

    private static List<(string, string)> Files(string dir) =>
        Directory.GetFiles(dir, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != DirectoryLock.FileName)
            .Order(StringComparer.Ordinal)
            .Select(f => (f, Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)))))
            .ToList();

    private static string GoDirectory(TempDirectory dir, string snapshot, string wal)
    {
        var data = dir.Combine("go");
        Directory.CreateDirectory(data);
        File.Copy(Fixture(snapshot), Path.Combine(data, "registry.json"));
        File.Copy(Fixture(wal), Path.Combine(data, "registry.json.wal"));
        return data;
    }

    [Fact]
    public void Status_NewDirectory_CreatesOurLayoutAndReopens()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        var (exit, output, _) = CliRunner.Run("status", "--data", data, "--json");
        Assert.Equal(0, exit);
        var first = JsonNode.Parse(output)!;
        Assert.Equal(1, first["networks"]!.GetValue<int>());
        Assert.True(File.Exists(Path.Combine(data, "snapshot.json")));
        Assert.True(Directory.EnumerateFiles(Path.Combine(data, "wal"), "*.wal").Any());

        var second = JsonNode.Parse(CliRunner.Run("status", "--data", data, "--json").Out)!;
        Assert.Equal("pilot", second["layout"]!.GetValue<string>());
    }

    [Fact]
    public void Status_GoDirectory_MigratesWithoutChangingGoFiles()
    {
        using var dir = new TempDirectory();
        var data = GoDirectory(dir, "snapshot-small.json", "wal-basic.wal");
        var goFiles = Files(data);

        var first = JsonNode.Parse(CliRunner.Run("status", "--data", data, "--json").Out)!;
        Assert.Equal("go", first["layout"]!.GetValue<string>());
        Assert.Equal(30, first["replayed"]!.GetValue<int>());
        Assert.Equal(goFiles, Files(data).Where(f => goFiles.Contains(f)).ToList());

        var second = JsonNode.Parse(CliRunner.Run("status", "--data", data, "--json").Out)!;
        Assert.Equal("pilot", second["layout"]!.GetValue<string>());
        Assert.Equal(first["nodes"]!.GetValue<int>(), second["nodes"]!.GetValue<int>());
        Assert.Equal(first["networks"]!.GetValue<int>(), second["networks"]!.GetValue<int>());
    }

    [Fact]
    public void Status_LockedDirectory_ExitsTwo()
    {
        using var dir = new TempDirectory();
        using var held = DirectoryLock.Acquire(dir.Path);
        var (exit, _, err) = CliRunner.Run("status", "--data", dir.Path);
        Assert.Equal(2, exit);
        Assert.Contains("locked", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_GoDirectoryWithTornLog_ReportsWithoutChangingAnything()
    {
        using var dir = new TempDirectory();
        var data = GoDirectory(dir, "snapshot-legacy-v0.json", "wal-torn-tail.wal");
        var before = Files(data);

        var (exit, output, _) = CliRunner.Run("inspect", "--data", data, "--json");
        Assert.Equal(1, exit);
        var report = JsonNode.Parse(output)!;
        Assert.Equal("go", report["layout"]!.GetValue<string>());
        Assert.True(report["snapshot"]!["legacy"]!.GetValue<bool>());
        Assert.Equal(30, report["replayed"]!.GetValue<int>());
        Assert.Equal(41, report["torn_bytes"]!.GetValue<int>());
        Assert.Equal("read WAL data at entry 30: unexpected EOF", report["legacy_replay_error"]!.GetValue<string>());
        foreach (var member in new[] { "nodes", "networks", "trust_pairs", "next_node", "next_net" })
        {
            Assert.NotNull(report[member]);
        }

        Assert.Equal(1, report["timeline"]!["epoch"]!.GetValue<int>());
        Assert.Equal(before, Files(data));
    }

    [Fact]
    public async Task InspectAndWalVerify_ARunningServerUnderWrites_CallRecordsBeingWrittenNoDamage()
    {
        using var dir = new TempDirectory();
        var port = LoopbackPort.Free();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(90));
        // Without the per-connection rate rule, which would close a load generator's connection after 5 s.
        using var server = ChildProcess.Start("env", ["Registry__RateLimit=false"], "serve", "--data", dir.Path, "--listen", $"127.0.0.1:{port}");
        try
        {
            await LoadgenTests.WaitListeningAsync(server, cts.Token);
            var writing = Task.Run(() => CliRunner.Run("loadgen", "--server", $"127.0.0.1:{port}", "--clients", "4", "--duration", "4", "--op", "mixed", "--json"), cts.Token);

            // Reading a log while it is appended to sees batches half copied; before the reads were compared, about
            // one inspection in five reported such a batch as corruption inside the log.
            var inspections = 0;
            while (!writing.IsCompleted && inspections < 40)
            {
                // wal verify in a process of its own: its first read is slow (code not yet compiled), which is when
                // it overlaps a write; run in this warm process it is too quick to catch one reliably.
                var (exit, output, err) = inspections % 2 == 0
                    ? CliRunner.Run("inspect", "--data", dir.Path, "--json")
                    : await ChildProcess.RunAsync(TimeSpan.FromSeconds(30), null, [], "wal", "verify", Path.Combine(dir.Path, "wal"), "--json");
                Assert.True(exit == 0, $"inspection {inspections}: {err} {output}");
                Assert.Empty(JsonNode.Parse(output)!["problems"]!.AsArray());
                inspections++;
            }

            var (load, _, loadErr) = await writing;
            Assert.True(load == 0, loadErr);
            Assert.True(inspections >= 2, $"only {inspections} inspections ran while the server was written to");
        }
        finally
        {
            await ChildProcess.StopAsync(server);
        }
    }

    [Fact]
    public void Inspect_DirectoryWithATimeline_ReportsItsEpochsAndRole()
    {
        using var dir = new TempDirectory();
        var data = GoDirectory(dir, "snapshot-small.json", "wal-basic.wal");
        Assert.Equal(0, CliRunner.Run("status", "--data", data).Exit);
        Persistence.Replication.Timeline.Initial.Promote(5).WithFollowing(true).Save(data);

        var (exit, output, err) = CliRunner.Run("inspect", "--data", data, "--json");

        Assert.True(exit == 0, err);
        var timeline = JsonNode.Parse(output)!["timeline"]!;
        Assert.Equal(2, timeline["epoch"]!.GetValue<int>());
        Assert.Equal(5, timeline["epochs"]![1]!["start"]!.GetValue<int>());
        Assert.True(timeline["following"]!.GetValue<bool>());
        Assert.Contains("timeline: epoch 1 from 1, epoch 2 from 5 (following)", CliRunner.Run("inspect", "--data", data).Out, StringComparison.Ordinal);
    }

    [Fact]
    public void InspectFull_OurDirectory_PrintsRecoveredStateAsSnapshot()
    {
        using var dir = new TempDirectory();
        var data = GoDirectory(dir, "snapshot-small.json", "wal-basic.wal");
        Assert.Equal(0, CliRunner.Run("status", "--data", data).Exit);
        var before = Files(data);

        var (exit, output, _) = CliRunner.Run("inspect", "--data", data, "--json", "--full");
        Assert.Equal(0, exit);
        var state = JsonNode.Parse(output)!;
        var summary = JsonNode.Parse(CliRunner.Run("inspect", "--data", data, "--json").Out)!;
        Assert.Equal(summary["nodes"]!.GetValue<int>(), state["nodes"]!.AsObject().Count);
        Assert.Equal(summary["next_node"]!.GetValue<int>(), state["next_node"]!.GetValue<int>());
        Assert.Equal("pilot", summary["layout"]!.GetValue<string>());
        Assert.Equal(before, Files(data));
    }

    [Fact]
    public void Inspect_MissingDirectory_ExitsTwo() =>
        Assert.Equal(2, CliRunner.Run("inspect", "--data", "/nonexistent/registry-data").Exit);
}

using System.Diagnostics;
using System.Text.Json.Nodes;
using Registry.Persistence.Replication;
using Registry.Persistence.Tests;

namespace Registry.Cli.Tests;

/// <summary>registry backup: a consistent copy of a running server, restorable as a primary or as a standby that resumes.</summary>
public class BackupCommandTests
{
    [Fact]
    public async Task Backup_TakenUnderWrites_IsOnePointOfTheHistory_AndRestoresAsAStandbyOrAPrimary()
    {
        using var dir = new TempDirectory();
        var primaryPort = LoopbackPort.Free();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(120));
        var primary = ChildProcess.Start(null, [], "serve", "--data", dir.Combine("primary"), "--listen", $"127.0.0.1:{primaryPort}", "--replication-token", "r");
        Process? standby = null;
        Process? restored = null;
        try
        {
            await LoadgenTests.WaitListeningAsync(primary, cts.Token);
            Assert.Equal(0, SwitchoverCommandTests.Load(primaryPort)["errors"]!.GetValue<long>());

            // Clients keep writing while the copy is taken.
            var writing = Task.Run(() => CliRunner.Run("loadgen", "--server", $"127.0.0.1:{primaryPort}", "--clients", "4", "--duration", "1.5", "--op", "mixed", "--json"), cts.Token);
            var (exit, output, err) = CliRunner.Run("backup", "--server", $"127.0.0.1:{primaryPort}", "--replication-token", "r", "--out", dir.Combine("copy"), "--json");
            Assert.True(exit == 0, err);
            var copy = JsonNode.Parse(output)!;
            var (load, _, loadErr) = await writing;
            Assert.True(load == 0, loadErr);

            // The copy recovers cleanly at the sequence it reports, and is marked as following its source.
            var inspected = Inspect(dir.Combine("copy"));
            Assert.Equal(copy["sequence"]!.GetValue<ulong>(), inspected["last_seq"]!.GetValue<ulong>());
            Assert.Equal(copy["nodes"]!.GetValue<long>(), inspected["nodes"]!.GetValue<long>());
            Assert.Equal(0, inspected["torn_bytes"]!.GetValue<long>());
            Assert.True(copy["nodes"]!.GetValue<long>() >= 4, output);
            Assert.True(Timeline.Load(dir.Combine("copy")).Following);
            Assert.Empty(Directory.GetDirectories(dir.Path, ".copy.partial-*"));

            // Seeded from the copy, a standby resumes from its sequence and ends with exactly the primary's state: the
            // copy was a consistent point of the primary's history, not a mix of two.
            Assert.Equal(0, SwitchoverCommandTests.Load(primaryPort)["errors"]!.GetValue<long>());
            var last = Inspect(dir.Combine("primary"))["last_seq"]!.GetValue<ulong>();
            Assert.True(last > copy["sequence"]!.GetValue<ulong>());
            Directory.Move(dir.Combine("copy"), dir.Combine("standby"));
            var standbyPort = LoopbackPort.Free();
            standby = ChildProcess.Start(null, [], "serve", "--data", dir.Combine("standby"), "--listen", $"127.0.0.1:{standbyPort}", "--replication-token", "r", "--standby-of", $"127.0.0.1:{primaryPort}");
            await LoadgenTests.WaitListeningAsync(standby, cts.Token);
            Assert.True(SpinWait.SpinUntil(() => LastSequenceOf(dir.Combine("standby")) == last, TimeSpan.FromSeconds(30)), "the standby seeded from the copy did not catch up");

            // A standby serves copies too, so backups can be taken off the primary.
            var (fromStandby, fromStandbyOutput, fromStandbyErr) = CliRunner.Run("backup", "--server", $"127.0.0.1:{standbyPort}", "--replication-token", "r", "--out", dir.Combine("off-standby"), "--json");
            Assert.True(fromStandby == 0, fromStandbyErr);
            Assert.Equal(last, JsonNode.Parse(fromStandbyOutput)!["sequence"]!.GetValue<ulong>());

            // A second copy, restored as a primary, begins a new epoch after its last record and takes writes.
            var (again, againOutput, againErr) = CliRunner.Run("backup", "--server", $"127.0.0.1:{primaryPort}", "--replication-token", "r", "--out", dir.Combine("restore"), "--json");
            Assert.True(again == 0, againErr);
            var restoredAt = JsonNode.Parse(againOutput)!["sequence"]!.GetValue<ulong>();
            Assert.Equal(last, restoredAt);
            var restoredPort = LoopbackPort.Free();
            restored = ChildProcess.Start(null, [], "serve", "--data", dir.Combine("restore"), "--listen", $"127.0.0.1:{restoredPort}");
            await LoadgenTests.WaitListeningAsync(restored, cts.Token);
            Assert.Equal(0, SwitchoverCommandTests.Load(restoredPort)["errors"]!.GetValue<long>());
            Assert.Equal(new TimelineEpoch(2, restoredAt + 1), Timeline.Load(dir.Combine("restore")).Epochs[^1]);
        }
        finally
        {
            await ChildProcess.StopAsync(restored, standby, primary);
            restored?.Dispose();
            standby?.Dispose();
            primary.Dispose();
        }

        Assert.Equal(Full(dir.Combine("primary")), Full(dir.Combine("standby")));
    }

    [Fact]
    public async Task Backup_RefusedUnreachableOrIntoAnExistingDirectory_WritesNothing()
    {
        using var dir = new TempDirectory();
        var port = LoopbackPort.Free();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(60));
        using var server = ChildProcess.Start(null, [], "serve", "--data", dir.Combine("primary"), "--listen", $"127.0.0.1:{port}", "--replication-token", "r");
        try
        {
            await LoadgenTests.WaitListeningAsync(server, cts.Token);

            var (refused, _, refusedErr) = CliRunner.Run("backup", "--server", $"127.0.0.1:{port}", "--replication-token", "wrong", "--out", dir.Combine("copy"));
            Assert.Equal(2, refused);
            Assert.Contains("invalid replication token", refusedErr, StringComparison.Ordinal);

            var (unreachable, _, unreachableErr) = CliRunner.Run("backup", "--server", $"127.0.0.1:{LoopbackPort.Free()}", "--replication-token", "r", "--out", dir.Combine("copy"));
            Assert.Equal(2, unreachable);
            Assert.Contains("no copy of", unreachableErr, StringComparison.Ordinal);
            Assert.Equal(["primary"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));

            Directory.CreateDirectory(dir.Combine("taken"));
            await File.WriteAllTextAsync(dir.Combine("taken", "keep.txt"), "mine", cts.Token);
            var (existing, _, existingErr) = CliRunner.Run("backup", "--server", $"127.0.0.1:{port}", "--replication-token", "r", "--out", dir.Combine("taken"));
            Assert.Equal(2, existing);
            Assert.Contains("not empty", existingErr, StringComparison.Ordinal);
            Assert.Equal(["keep.txt"], Directory.GetFileSystemEntries(dir.Combine("taken")).Select(Path.GetFileName));

            Assert.Equal(2, CliRunner.Run("backup", "--server", "nohostport", "--replication-token", "r", "--out", dir.Combine("copy")).Exit);
            Assert.NotEqual(0, CliRunner.Run("backup", "--server", $"127.0.0.1:{port}", "--out", dir.Combine("copy")).Exit);
        }
        finally
        {
            await ChildProcess.StopAsync(server);
        }
    }

    [Fact]
    public async Task Backup_OverTls_PinnedLikeAStandby()
    {
        using var dir = new TempDirectory();
        var port = LoopbackPort.Free();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(60));
        using var server = ChildProcess.Start(null, [], "serve", "--data", dir.Combine("primary"), "--listen", $"127.0.0.1:{port}", "--replication-token", "r", "--tls-self-signed");
        try
        {
            var pin = await LoadgenTests.WaitListeningAsync(server, cts.Token) ?? throw new InvalidOperationException("no pin logged");
            var (load, _, loadErr) = CliRunner.Run("loadgen", "--server", $"127.0.0.1:{port}", "--clients", "2", "--duration", "0.3", "--tls-pin", pin, "--json");
            Assert.True(load == 0, loadErr);

            var (wrongPin, _, wrongErr) = CliRunner.Run("backup", "--server", $"127.0.0.1:{port}", "--replication-token", "r", "--out", dir.Combine("copy"), "--tls-pin", new string('0', 64));
            Assert.Equal(2, wrongPin);
            Assert.Contains("no copy of", wrongErr, StringComparison.Ordinal);
            Assert.False(Directory.Exists(dir.Combine("copy")));

            var (exit, output, err) = CliRunner.Run("backup", "--server", $"127.0.0.1:{port}", "--replication-token", "r", "--out", dir.Combine("copy"), "--tls-pin", pin, "--json");
            Assert.True(exit == 0, err);
            Assert.True(JsonNode.Parse(output)!["nodes"]!.GetValue<long>() >= 2, output);
            Assert.Equal(JsonNode.Parse(output)!["sequence"]!.GetValue<ulong>(), Inspect(dir.Combine("copy"))["last_seq"]!.GetValue<ulong>());
        }
        finally
        {
            await ChildProcess.StopAsync(server);
        }
    }

    private static JsonNode Inspect(string directory)
    {
        var (exit, output, err) = CliRunner.Run("inspect", "--data", directory, "--json");
        Assert.True(exit == 0, err);
        return JsonNode.Parse(output)!;
    }

    /// <summary>The last sequence a read-only recovery finds in a running server's directory; null while the server is in the middle of changing it.</summary>
    private static ulong? LastSequenceOf(string directory)
    {
        var (exit, output, _) = CliRunner.Run("inspect", "--data", directory, "--json");
        return exit == 0 ? JsonNode.Parse(output)!["last_seq"]!.GetValue<ulong>() : null;
    }

    private static string Full(string directory)
    {
        var (exit, output, err) = CliRunner.Run("inspect", "--data", directory, "--json", "--full");
        Assert.True(exit == 0, err);
        return output;
    }
}

using System.Diagnostics;
using System.Text.Json.Nodes;
using Registry.Persistence.Replication;
using Registry.Persistence.Tests;

namespace Registry.Cli.Tests;

/// <summary>registry promote: a running standby by request, and the data directory of a stopped, fenced old primary.</summary>
public class PromoteCommandTests
{
    [Fact]
    public async Task Promote_ARunningStandbyThenTheFencedOldPrimarysDirectory_EachTakesWritesInANewerEpoch()
    {
        using var dir = new TempDirectory();
        var (primaryPort, standbyPort) = (LoopbackPort.Free(), LoopbackPort.Free());
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(90));
        var primary = ChildProcess.Start(null, [], "serve", "--data", dir.Combine("a"), "--listen", $"127.0.0.1:{primaryPort}", "--replication-token", "r", "--admin-token", "adm");
        Process? standby = null;
        try
        {
            await LoadgenTests.WaitListeningAsync(primary, cts.Token);
            standby = ChildProcess.Start(null, [], "serve", "--data", dir.Combine("b"), "--listen", $"127.0.0.1:{standbyPort}", "--replication-token", "r", "--admin-token", "adm", "--standby-of", $"127.0.0.1:{primaryPort}");
            await LoadgenTests.WaitListeningAsync(standby, cts.Token);
            Assert.Equal(0, SwitchoverCommandTests.Load(primaryPort)["errors"]!.GetValue<long>());

            // A running server's directory is left alone; a wrong token changes nothing.
            var (lockedExit, _, lockedErr) = CliRunner.Run("promote", "--data", dir.Combine("b"));
            Assert.Equal(2, lockedExit);
            Assert.Contains("in use by a running server", lockedErr, StringComparison.Ordinal);
            var (refusedExit, _, refusedErr) = CliRunner.Run("promote", "--server", $"127.0.0.1:{standbyPort}", "--admin-token", "nope");
            Assert.Equal(1, refusedExit);
            Assert.Contains("refused", refusedErr, StringComparison.Ordinal);
            Assert.True(SwitchoverCommandTests.Load(standbyPort)["errors"]!.GetValue<long>() > 0, "the standby took writes before it was promoted");

            // status --server says which one is the standby, and of whom.
            var (statusExit, statusOutput, statusErr) = CliRunner.Run("status", "--server", $"127.0.0.1:{standbyPort}", "--admin-token", "adm", "--json");
            Assert.True(statusExit == 0, statusErr);
            var status = JsonNode.Parse(statusOutput)!;
            Assert.Equal("standby", status["role"]!.GetValue<string>());
            Assert.Equal($"127.0.0.1:{primaryPort}", status["standby_of"]!.GetValue<string>());
            Assert.Equal(1, CliRunner.Run("status", "--server", $"127.0.0.1:{standbyPort}", "--admin-token", "nope").Exit);

            var (exit, output, err) = CliRunner.Run("promote", "--server", $"127.0.0.1:{standbyPort}", "--admin-token", "adm", "--json");
            Assert.True(exit == 0, err);
            var promoted = JsonNode.Parse(output)!;
            Assert.True(promoted["was_standby"]!.GetValue<bool>());
            Assert.Equal(2UL, promoted["epoch"]!.GetValue<ulong>());
            Assert.Equal(0, SwitchoverCommandTests.Load(standbyPort)["errors"]!.GetValue<long>());

            var (afterExit, afterOutput, _) = CliRunner.Run("status", "--server", $"127.0.0.1:{standbyPort}", "--admin-token", "adm");
            Assert.Equal(0, afterExit);
            Assert.Matches("role +primary", afterOutput);

            // The promoted standby fenced the old primary, durably.
            Assert.True(SpinWait.SpinUntil(() => Timeline.Load(dir.Combine("a")).SupersededBy == 2, TimeSpan.FromSeconds(20)), $"the old primary was not fenced: {Timeline.Load(dir.Combine("a"))}");
        }
        finally
        {
            await ChildProcess.StopAsync(standby, primary);
            standby?.Dispose();
            primary.Dispose();
        }

        // The new primary is gone for good: the operator promotes the old primary's directory, lifting its fence.
        var (liftExit, liftOutput, liftErr) = CliRunner.Run("promote", "--data", dir.Combine("a"), "--json");
        Assert.True(liftExit == 0, liftErr);
        var lifted = JsonNode.Parse(liftOutput)!;
        Assert.Equal(2UL, lifted["lifted_superseded_by"]!.GetValue<ulong>());
        Assert.Equal(3UL, lifted["epoch"]!.GetValue<ulong>());
        var timeline = Timeline.Load(dir.Combine("a"));
        Assert.Null(timeline.SupersededBy);
        Assert.False(timeline.Following);
        Assert.Equal(new TimelineEpoch(3, lifted["sequence"]!.GetValue<ulong>() + 1), timeline.Epochs[^1]);

        // Promoting it again changes nothing.
        var before = await File.ReadAllBytesAsync(Path.Combine(dir.Combine("a"), "timeline.json"), cts.Token);
        var (againExit, againOutput, _) = CliRunner.Run("promote", "--data", dir.Combine("a"));
        Assert.Equal(0, againExit);
        Assert.Contains("already a primary", againOutput, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(Path.Combine(dir.Combine("a"), "timeline.json"), cts.Token));

        var port = LoopbackPort.Free();
        using var restarted = ChildProcess.Start(null, [], "serve", "--data", dir.Combine("a"), "--listen", $"127.0.0.1:{port}", "--admin-token", "adm");
        try
        {
            await LoadgenTests.WaitListeningAsync(restarted, cts.Token);
            Assert.Equal(0, SwitchoverCommandTests.Load(port)["errors"]!.GetValue<long>());
        }
        finally
        {
            await ChildProcess.StopAsync(restarted);
        }
    }

    [Fact]
    public void Promote_WithBothOrNeitherTarget_IsAUsageError()
    {
        using var dir = new TempDirectory();
        Assert.Equal(2, CliRunner.Run("promote").Exit);
        Assert.Equal(2, CliRunner.Run("promote", "--data", dir.Path, "--server", "127.0.0.1:1", "--admin-token", "a").Exit);
        Assert.Equal(2, CliRunner.Run("promote", "--server", "127.0.0.1:1").Exit);
        var (exit, _, err) = CliRunner.Run("promote", "--data", dir.Combine("missing"));
        Assert.Equal(2, exit);
        Assert.Contains("no directory", err, StringComparison.Ordinal);
    }

    [Fact]
    public void PromoteData_OnAStoppedSteppedDownPrimary_EndsTheStepDownInANewEpoch()
    {
        using var dir = new TempDirectory();
        Timeline.Initial.WithSteppedDown(0).Save(dir.Path);

        var (exit, output, err) = CliRunner.Run("promote", "--data", dir.Path, "--json");
        Assert.True(exit == 0, err);
        var report = JsonNode.Parse(output)!;
        Assert.Equal(0UL, report["ended_step_down_at"]!.GetValue<ulong>());
        Assert.Equal(2UL, report["epoch"]!.GetValue<ulong>());
        var timeline = Timeline.Load(dir.Path);
        Assert.Null(timeline.SteppedDownAt);
        Assert.Equal(new TimelineEpoch(2, 1), timeline.Epochs[^1]);

        var (text, textOutput, _) = CliRunner.Run("promote", "--data", dir.Path);
        Assert.Equal(0, text);
        Assert.Contains("already a primary", textOutput, StringComparison.Ordinal);
    }
}

using System.Diagnostics;
using System.Text.Json.Nodes;
using Registry.Persistence.Tests;

namespace Registry.Cli.Tests;

/// <summary>registry switchover against a primary and a standby running as child processes on 127.0.0.1.</summary>
public class SwitchoverCommandTests
{
    [Fact]
    public async Task Switchover_RightAfterWrites_PromotesTheStandbyWithEverythingAndStepsThePrimaryDown()
    {
        using var dir = new TempDirectory();
        var (primaryPort, standbyPort) = (LoopbackPort.Free(), LoopbackPort.Free());
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(60));
        using var primary = ChildProcess.Start(null, [], "serve", "--data", dir.Combine("a"), "--listen", $"127.0.0.1:{primaryPort}", "--replication-token", "r", "--admin-token", "adm");
        Process? standby = null;
        Process? other = null;
        try
        {
            await LoadgenTests.WaitListeningAsync(primary, cts.Token);
            standby = ChildProcess.Start(null, [], "serve", "--data", dir.Combine("b"), "--listen", $"127.0.0.1:{standbyPort}", "--replication-token", "r", "--admin-token", "adm", "--standby-of", $"127.0.0.1:{primaryPort}");
            await LoadgenTests.WaitListeningAsync(standby, cts.Token);
            Assert.Equal(0, Load(primaryPort)["errors"]!.GetValue<long>());

            // Wrong token: refused by the primary, nothing changes.
            var (refusedExit, _, refusedErr) = CliRunner.Run("switchover", "--primary", $"127.0.0.1:{primaryPort}", "--standby", $"127.0.0.1:{standbyPort}", "--admin-token", "nope");
            Assert.Equal(1, refusedExit);
            Assert.Contains("refused", refusedErr, StringComparison.Ordinal);
            Assert.Contains("nothing changed", refusedErr, StringComparison.Ordinal);
            Assert.Equal(0, Load(primaryPort)["errors"]!.GetValue<long>());

            // The two swapped, or a standby of another primary: refused before anything changes.
            var (swappedExit, _, swappedErr) = CliRunner.Run("switchover", "--primary", $"127.0.0.1:{standbyPort}", "--standby", $"127.0.0.1:{primaryPort}", "--admin-token", "adm");
            Assert.Equal(1, swappedExit);
            Assert.Contains("is not a primary taking writes", swappedErr, StringComparison.Ordinal);
            Assert.Equal(0, Load(primaryPort)["errors"]!.GetValue<long>());
            var otherPort = LoopbackPort.Free();
            other = ChildProcess.Start(null, [], "serve", "--data", dir.Combine("c"), "--listen", $"127.0.0.1:{otherPort}", "--replication-token", "r", "--admin-token", "adm");
            await LoadgenTests.WaitListeningAsync(other, cts.Token);
            var (strangerExit, _, strangerErr) = CliRunner.Run("switchover", "--primary", $"127.0.0.1:{otherPort}", "--standby", $"127.0.0.1:{standbyPort}", "--admin-token", "adm");
            Assert.Equal(1, strangerExit);
            Assert.Contains($"is not connected to 127.0.0.1:{otherPort} as its standby (it follows 127.0.0.1:{primaryPort})", strangerErr, StringComparison.Ordinal);
            Assert.Equal(0, Load(otherPort)["errors"]!.GetValue<long>());

            // Straight after the writes: the switchover itself waits for the standby to hold them.
            var (exit, output, err) = CliRunner.Run("switchover", "--primary", $"127.0.0.1:{primaryPort}", "--standby", $"127.0.0.1:{standbyPort}", "--admin-token", "adm", "--json");
            Assert.True(exit == 0, err);
            var report = JsonNode.Parse(output)!;
            Assert.Equal(report["stepped_down_at"]!.GetValue<ulong>(), report["promoted_at"]!.GetValue<ulong>());
            Assert.Equal(2UL, report["epoch"]!.GetValue<ulong>());

            // The new primary takes writes; the old one refuses them.
            Assert.Equal(0, Load(standbyPort)["errors"]!.GetValue<long>());
            Assert.True(Load(primaryPort)["errors"]!.GetValue<long>() > 0);

            // Running it again finds the old primary stepped down and fenced, and says so.
            var (againExit, _, againErr) = CliRunner.Run("switchover", "--primary", $"127.0.0.1:{primaryPort}", "--standby", $"127.0.0.1:{standbyPort}", "--admin-token", "adm");
            Assert.Equal(1, againExit);
            Assert.Contains("is not a primary taking writes", againErr, StringComparison.Ordinal);
        }
        finally
        {
            await ChildProcess.StopAsync(other, standby, primary);
            other?.Dispose();
            standby?.Dispose();
        }
    }

    /// <summary>A short register load against the server on <paramref name="port"/>; its JSON report.</summary>
    internal static JsonNode Load(int port)
    {
        var (exit, output, err) = CliRunner.Run("loadgen", "--server", $"127.0.0.1:{port}", "--clients", "4", "--duration", "0.3", "--op", "register", "--json");
        Assert.True(exit == 0, err);
        return JsonNode.Parse(output)!;
    }
}

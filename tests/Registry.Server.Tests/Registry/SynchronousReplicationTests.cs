using Registry.Persistence.Tests;
using static Registry.Server.Tests.Registry.PrimaryStandbyTests;

namespace Registry.Server.Tests.Registry;

/// <summary>Synchronous replication: a primary acknowledges a write only once a standby holds it durably, or says it could not.</summary>
public sealed class SynchronousReplicationTests
{
    private static Dictionary<string, string?> SynchronousPrimary(string timeout = "00:00:10")
    {
        var settings = PrimarySettings();
        settings["Registry:SynchronousReplication"] = "true";
        settings["Registry:SynchronousReplicationTimeout"] = timeout;
        return settings;
    }

    private static ulong Durable(RegistryTestHost host) => Backend(host).Registry!.Store.Log.AcknowledgedSequence;

    [Fact]
    public async Task EveryAcknowledgedWrite_IsAlreadyDurableOnTheStandby()
    {
        var ct = Timeouts.Bounded(60);
        using var dir = new TempDirectory();
        var metricsPort = LoopbackPort.Free();
        var settings = SynchronousPrimary();
        settings["Registry:MetricsEndpoint"] = $"127.0.0.1:{metricsPort}";
        await using var primary = await RegistryTestHost.StartAsync(dir.Combine("a"), ct, settings: settings);
        Assert.Equal("synchronous replication: no standby is connected to confirm writes", Backend(primary).CheckReadiness().Reason);
        Assert.Equal(0, await FaultDrill.ScrapeAsync(metricsPort, "registry_replication_confirming_standbys", ct));
        await using var standby = await RegistryTestHost.StartAsync(dir.Combine("b"), ct, settings: StandbyOf(primary));
        Assert.True(SpinWait.SpinUntil(() => Backend(primary).CheckReadiness().IsReady, TimeSpan.FromSeconds(20)), Backend(primary).CheckReadiness().Reason);

        // One writer: when a reply arrives, the primary's last record is that write's, and the standby must hold it.
        using var client = await primary.ConnectAsync(ct);
        for (var i = 0; i < 50; i++)
        {
            using var key = new NodeKey();
            await client.RegisterAsync(key, ct);
            var written = Durable(primary);
            Assert.True(Durable(standby) >= written, $"write {i}: acknowledged at sequence {written}, the standby holds {Durable(standby)} durably");
        }

        Assert.Equal(1, await FaultDrill.ScrapeAsync(metricsPort, "registry_replication_confirming_standbys", ct));
        Assert.True(await FaultDrill.ScrapeAsync(metricsPort, "registry_replication_confirmed_sequence", ct) >= Durable(primary));
    }

    [Fact]
    public async Task AQuorumOfTwo_NeedsTwoDistinctStandbys_AndEveryAcknowledgedWriteIsOnBoth()
    {
        var ct = Timeouts.Bounded(90);
        using var dir = new TempDirectory();
        var settings = SynchronousPrimary(timeout: "00:00:00.500");
        settings["Registry:SynchronousStandbys"] = "2";
        await using var primary = await RegistryTestHost.StartAsync(dir.Combine("a"), ct, settings: settings);
        await using var first = await RegistryTestHost.StartAsync(dir.Combine("b"), ct, settings: StandbyOf(primary));
        Assert.True(SpinWait.SpinUntil(() => Backend(primary).CheckReadiness().Reason?.StartsWith("synchronous replication: 1 of the 2", StringComparison.Ordinal) == true, TimeSpan.FromSeconds(20)), Backend(primary).CheckReadiness().Reason);

        // One standby, however often it reconnects, is not two: it sends the same identity each time.
        using var client = await primary.ConnectAsync(ct);
        using (var key = new NodeKey())
        {
            var error = await client.ErrorAsync(new { type = "register", public_key = key.PublicKey, hostname = "quorum-0" }, ct);
            Assert.Contains("fewer than 2 standbys confirmed the change", error, StringComparison.Ordinal);
        }

        // Two servers on copies of one directory share its identity: both follow, confirm, and count once.
        await first.DisposeAsync();
        CopyDirectory(dir.Combine("b"), dir.Combine("b2"));
        await using var restarted = await RegistryTestHost.StartAsync(dir.Combine("b"), ct, settings: StandbyOf(primary));
        await using var copy = await RegistryTestHost.StartAsync(dir.Combine("b2"), ct, settings: StandbyOf(primary));
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(dir.Combine("b"), "server-id"), ct), await File.ReadAllTextAsync(Path.Combine(dir.Combine("b2"), "server-id"), ct));
        var target = Durable(primary);
        Assert.True(SpinWait.SpinUntil(() => Durable(restarted) >= target && Durable(copy) >= target, TimeSpan.FromSeconds(20)), "the two copies did not catch up");
        Assert.True(SpinWait.SpinUntil(() => Backend(primary).Confirmations!.ConfirmingStandbys >= 1, TimeSpan.FromSeconds(20)));
        Assert.Equal(1, Backend(primary).Confirmations!.ConfirmingStandbys);
        Assert.False(Backend(primary).CheckReadiness().IsReady);

        await using var second = await RegistryTestHost.StartAsync(dir.Combine("c"), ct, settings: StandbyOf(primary));
        Assert.True(SpinWait.SpinUntil(() => Backend(primary).CheckReadiness().IsReady, TimeSpan.FromSeconds(20)), Backend(primary).CheckReadiness().Reason);
        for (var i = 1; i <= 20; i++)
        {
            using var key = new NodeKey();
            await client.RegisterAsync(key, ct);
            var written = Durable(primary);
            Assert.True(Durable(second) >= written && Math.Max(Durable(restarted), Durable(copy)) >= written, $"write {i} acknowledged at {written}: the standbys hold {Durable(restarted)}/{Durable(copy)} and {Durable(second)}");
        }
    }

    [Fact]
    public async Task WithoutAStandby_AWriteIsAnsweredWithTheTimeout_StaysDurableHere_AndTheStandbyConfirmsItLater()
    {
        var ct = Timeouts.Bounded(60);
        using var dir = new TempDirectory();
        await using var primary = await RegistryTestHost.StartAsync(dir.Combine("a"), ct, settings: SynchronousPrimary(timeout: "00:00:00.300"));
        using var client = await primary.ConnectAsync(ct);
        using var key = new NodeKey();

        var error = await client.ErrorAsync(new { type = "register", public_key = key.PublicKey, hostname = "sync-1", listen_addr = "203.0.113.7:4000" }, ct);
        Assert.Contains("no standby confirmed the change", error, StringComparison.Ordinal);
        Assert.Contains("durable on this server", error, StringComparison.Ordinal);
        var written = Durable(primary);
        Assert.True(written > 0);
        using (var state = System.Text.Json.JsonDocument.Parse(Backend(primary).Registry!.State.ToCanonicalJson()))
        {
            Assert.Single(state.RootElement.GetProperty("nodes").EnumerateObject());
        }

        // A standby that arrives later receives it and confirms it; writes are then acknowledged again.
        await using var standby = await RegistryTestHost.StartAsync(dir.Combine("b"), ct, settings: StandbyOf(primary));
        Assert.True(SpinWait.SpinUntil(() => Backend(primary).CheckReadiness().IsReady, TimeSpan.FromSeconds(20)), "the standby never subscribed");
        Assert.True(SpinWait.SpinUntil(() => Durable(standby) >= written, TimeSpan.FromSeconds(20)), "the standby never received the write");
        using var other = new NodeKey();
        await client.RegisterAsync(other, ct);
        Assert.True(Durable(standby) >= Durable(primary));
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}

using Registry.Persistence.Replication;
using Registry.Persistence.Tests;
using Registry.Server.Replication;
using static Registry.Server.Tests.Registry.PrimaryStandbyTests;

namespace Registry.Server.Tests.Registry;

/// <summary>An old primary rejoining as a standby of the promoted one: refused when both took writes (split brain), followed when it took none.</summary>
public sealed class DivergedHistoryTests
{
    /// <summary>A primary A with writes 1..5 and a standby B that holds all of them as records, then B promoted (A still running).</summary>
    /// <remarks>
    /// B subscribes while A is empty, so A's writes reach it as records, not inside a snapshot: B's log holds record 5.
    /// B does not fence A when promoted (SwitchoverTests covers that), so that A can take the writes of a split brain.
    /// </remarks>
    private static async Task<(RegistryTestHost A, RegistryTestHost B)> PromotedPairAsync(string dir, CancellationToken ct)
    {
        var a = await RegistryTestHost.StartAsync(Path.Combine(dir, "a"), ct, settings: PrimarySettings());
        var unfencing = StandbyOf(a);
        unfencing["Registry:FenceOnPromote"] = "false";
        var b = await RegistryTestHost.StartAsync(Path.Combine(dir, "b"), ct, settings: unfencing);
        Assert.True(SpinWait.SpinUntil(() => Backend(b).Follower!.SnapshotsInstalled > 0, TimeSpan.FromSeconds(20)), "the standby never installed the empty snapshot");
        await WriteAsync(a, Enumerable.Range(1, 5), ct);
        var target = Applied(a);
        Assert.True(SpinWait.SpinUntil(() => HostTlsTests.Visible(b) >= target, TimeSpan.FromSeconds(20)), $"standby at {HostTlsTests.Visible(b)} of {target}");
        Assert.True(Timeline.Load(Path.Combine(dir, "b")).Following);
        using var promote = await b.ConnectAsync(ct);
        var promoted = await promote.OkAsync(new { type = "promote", admin_token = RegistryTestHost.AdminToken }, ct);

        // The promotion begins epoch 2 at the standby's next record, durably, before it accepts a write.
        Assert.Equal(2UL, promoted.GetProperty("epoch").GetUInt64());
        var timeline = Timeline.Load(Path.Combine(dir, "b"));
        Assert.Equal([new TimelineEpoch(1, 1), new TimelineEpoch(2, target + 1)], timeline.Epochs);
        Assert.False(timeline.Following);
        return (a, b);
    }

    private static async Task WriteAsync(RegistryTestHost host, IEnumerable<int> keys, CancellationToken ct)
    {
        using var client = await host.ConnectAsync(ct);
        foreach (var i in keys)
        {
            await client.OkAsync(Register(i), ct);
        }
    }

    [Fact]
    public async Task OldPrimaryWithItsOwnWrites_RejoiningAsStandby_IsRefusedAndAppendsNothing()
    {
        var ct = Timeouts.Bounded(60);
        using var dir = new TempDirectory();
        var (a, b) = await PromotedPairAsync(dir.Path, ct);
        await using var promoted = b;
        var shared = Applied(b);

        // Split brain: A, never fenced, takes one write; B takes three. Then A restarts as B's standby.
        await using (a)
        {
            await WriteAsync(a, [30], ct);
        }

        await WriteAsync(b, [20, 21, 22], ct);
        var metricsPort = LoopbackPort.Free();
        var settings = StandbyOf(b);
        settings["Registry:MetricsEndpoint"] = $"127.0.0.1:{metricsPort}";
        await using var rejoined = await RegistryTestHost.StartAsync(Path.Combine(dir.Path, "a"), ct, settings: settings);
        var own = Applied(rejoined);
        Assert.Equal(shared + 1, own);

        var backend = Backend(rejoined);
        Assert.True(SpinWait.SpinUntil(() => backend.Follower?.DivergedAt is not null, TimeSpan.FromSeconds(20)), "the old primary never learned that its history diverged");
        var follower = backend.Follower!;
        Assert.Equal(own, follower.DivergedAt);
        Assert.Equal(own, Applied(rejoined));
        Assert.Equal(0, follower.SnapshotsInstalled + follower.ChunksApplied);
        var readiness = backend.CheckReadiness();
        Assert.False(readiness.IsReady);
        Assert.Contains("diverged", readiness.Reason, StringComparison.Ordinal);
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{metricsPort}/metrics"), ct);
        Assert.Contains("registry_replication_diverged 1", metrics, StringComparison.Ordinal);
        var readyz = await http.GetAsync(new Uri($"http://127.0.0.1:{metricsPort}/readyz"), ct);
        Assert.False(readyz.IsSuccessStatusCode);
        Assert.Contains("diverged", await readyz.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);

        // What B answers such a subscriber, verbatim.
        using var raw = await b.ConnectAsync(ct);
        var checksum = backend.Registry!.Store.Log.ChecksumOf(own);
        var refused = await raw.SendAsync(new { type = "subscribe_replication", token = Token, from_seq = own + 1, prev_crc = checksum }, ct);
        Assert.Equal($"{{\"error\":\"replication history diverged at sequence {own}\",\"type\":\"error\"}}", refused.GetRawText());
    }

    [Fact]
    public async Task OldPrimaryWithOwnWrites_AfterThePromotedOneCompactedTheSplit_IsStillRefusedByEpoch()
    {
        var ct = Timeouts.Bounded(60);
        using var dir = new TempDirectory();
        var (a, b) = await PromotedPairAsync(dir.Path, ct);
        var shared = Applied(b);
        await using (a)
        {
            await WriteAsync(a, [30], ct);
        }

        // B writes on, compacts and restarts: the record where the histories split is gone from its log and from its
        // memory, so checksums cannot be compared and, without epochs, A would get a snapshot that silently replaces
        // its own write. Two snapshots: compaction deletes the log before the older of the two kept generations.
        await using (b)
        {
            await WriteAsync(b, [20, 21, 22], ct);
            await Backend(b).Registry!.Store.TriggerSnapshotAsync(ct);
            await WriteAsync(b, [23], ct);
            await Backend(b).Registry!.Store.TriggerSnapshotAsync(ct);
        }

        await using var promoted = await RegistryTestHost.StartAsync(Path.Combine(dir.Path, "b"), ct, settings: PrimarySettings());
        Assert.Null(Backend(promoted).Registry!.Store.Log.ChecksumOf(shared + 1));

        await using var rejoined = await RegistryTestHost.StartAsync(Path.Combine(dir.Path, "a"), ct, settings: StandbyOf(promoted));
        var backend = Backend(rejoined);
        Assert.True(SpinWait.SpinUntil(() => backend.Follower?.DivergedAt is not null, TimeSpan.FromSeconds(20)), "the old primary never learned that its history diverged");
        Assert.Equal(shared + 1, backend.Follower!.DivergedAt);
        Assert.Equal(0, backend.Follower.SnapshotsInstalled + backend.Follower.ChunksApplied);
        Assert.Equal(shared + 1, Applied(rejoined));
        using var client = await rejoined.ConnectAsync(ct);
        Assert.Equal("pair-30", (await client.OkAsync(new { type = "lookup", node_id = (uint)(shared + 1) }, ct)).GetProperty("hostname").GetString());
    }

    [Fact]
    public async Task StandbyOnANewerEpoch_SubscribingToTheOldPrimary_IsRefusedAsSuperseded()
    {
        var ct = Timeouts.Bounded(60);
        using var dir = new TempDirectory();
        var (a, b) = await PromotedPairAsync(dir.Path, ct);
        await using var promoted = b;
        await using var old = a;

        using var raw = await a.ConnectAsync(ct);
        var refused = await raw.SendAsync(new { type = "subscribe_replication", token = Token, from_seq = Applied(b) + 1, epoch = 2 }, ct);

        Assert.Equal("error", refused.GetProperty("type").GetString());
        Assert.Equal(Server.Replication.ReplicationMessages.Superseded(2, 1), refused.GetProperty("error").GetString());

        // Learning that a newer epoch exists fences the old primary: it refuses writes from then on.
        Assert.True(SpinWait.SpinUntil(() => Backend(a).Registry!.WritesClosed, TimeSpan.FromSeconds(20)), "the superseded primary kept taking writes");
        using var client = await a.ConnectAsync(ct);
        Assert.Equal("error", (await client.SendAsync(Register(40), ct)).GetProperty("type").GetString());
        Assert.Contains("superseded by epoch 2", Backend(a).CheckReadiness().Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StandbyRestartedWithoutStandbyOf_IsPromotedToANewEpoch()
    {
        var ct = Timeouts.Bounded(60);
        using var dir = new TempDirectory();
        await using var a = await RegistryTestHost.StartAsync(Path.Combine(dir.Path, "a"), ct, settings: PrimarySettings());
        ulong held;
        await using (var b = await RegistryTestHost.StartAsync(Path.Combine(dir.Path, "b"), ct, settings: StandbyOf(a)))
        {
            Assert.True(SpinWait.SpinUntil(() => Backend(b).Follower!.SnapshotsInstalled > 0, TimeSpan.FromSeconds(20)), "the standby never installed the empty snapshot");
            await WriteAsync(a, [1, 2], ct);
            var target = Applied(a);
            Assert.True(SpinWait.SpinUntil(() => HostTlsTests.Visible(b) >= target, TimeSpan.FromSeconds(20)), $"standby at {HostTlsTests.Visible(b)} of {target}");
            held = Applied(b);
        }

        await using var restarted = await RegistryTestHost.StartAsync(Path.Combine(dir.Path, "b"), ct, settings: PrimarySettings());

        var timeline = Timeline.Load(Path.Combine(dir.Path, "b"));
        Assert.Equal([new TimelineEpoch(1, 1), new TimelineEpoch(2, held + 1)], timeline.Epochs);
        Assert.False(timeline.Following);
        Assert.Equal(Timeline.Initial.Epochs, Timeline.Load(Path.Combine(dir.Path, "a")).Epochs);
    }

    [Fact]
    public async Task DamagedTimeline_FailsTheStartWithOneLineNamingIt_AndReleasesTheDirectory()
    {
        var ct = Timeouts.Bounded(60);
        using var dir = new TempDirectory();
        var data = Path.Combine(dir.Path, "a");
        await (await RegistryTestHost.StartAsync(data, ct, settings: PrimarySettings())).DisposeAsync();
        File.WriteAllText(Path.Combine(data, Timeline.FileName), "{\"epochs\":[{\"epoch\":1,\"start\":1}],\"following\":");

        var ex = await Assert.ThrowsAsync<Server.Hosting.ServerStartupException>(() => RegistryTestHost.StartAsync(data, ct, settings: PrimarySettings()));

        Assert.Contains(Timeline.FileName, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);

        // Nothing guessed: once the operator restores the file, the same directory starts.
        Timeline.Initial.Save(data);
        await (await RegistryTestHost.StartAsync(data, ct, settings: PrimarySettings())).DisposeAsync();
    }

    [Fact]
    public async Task OldPrimaryWithoutOwnWrites_RejoiningAsStandby_FollowsThePromotedOne()
    {
        var ct = Timeouts.Bounded(60);
        using var dir = new TempDirectory();
        var (a, b) = await PromotedPairAsync(dir.Path, ct);
        await using var promoted = b;
        await a.DisposeAsync();

        await WriteAsync(b, [20, 21, 22], ct);
        await using var rejoined = await RegistryTestHost.StartAsync(Path.Combine(dir.Path, "a"), ct, settings: StandbyOf(b));

        var target = Applied(b);
        Assert.True(SpinWait.SpinUntil(() => HostTlsTests.Visible(rejoined) >= target, TimeSpan.FromSeconds(20)), $"rejoined at {HostTlsTests.Visible(rejoined)} of {target}");
        var follower = Backend(rejoined).Follower!;
        Assert.Null(follower.DivergedAt);
        Assert.Equal(2UL, Timeline.Load(Path.Combine(dir.Path, "a")).Current);
        Assert.Equal(0, follower.SnapshotsInstalled);
        using var client = await rejoined.ConnectAsync(ct);
        Assert.Equal("pair-22", (await client.OkAsync(new { type = "lookup", node_id = 8 }, ct)).GetProperty("hostname").GetString());
        Assert.True(Backend(rejoined).CheckReadiness().IsReady, Backend(rejoined).CheckReadiness().Reason);
    }
}

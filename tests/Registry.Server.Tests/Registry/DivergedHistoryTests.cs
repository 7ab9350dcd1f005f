using Registry.Persistence.Tests;
using Registry.Server.Replication;
using static Registry.Server.Tests.Registry.PrimaryStandbyTests;

namespace Registry.Server.Tests.Registry;

/// <summary>An old primary rejoining as a standby of the promoted one: refused when both took writes (split brain), followed when it took none.</summary>
public sealed class DivergedHistoryTests
{
    private static Dictionary<string, string?> PrimarySettings() => new() { ["Registry:ReplicationToken"] = Token };

    private static Dictionary<string, string?> StandbyOf(RegistryTestHost primary) => new()
    {
        ["Registry:ReplicationToken"] = Token,
        ["Registry:StandbyOf"] = primary.EndPoint.ToString(),
    };

    /// <summary>A primary A with writes 1..5 and a standby B that holds all of them as records, then B promoted (A still running).</summary>
    /// <remarks>B subscribes while A is empty, so A's writes reach it as records, not inside a snapshot: B's log holds record 5.</remarks>
    private static async Task<(RegistryTestHost A, RegistryTestHost B)> PromotedPairAsync(string dir, CancellationToken ct)
    {
        var a = await RegistryTestHost.StartAsync(Path.Combine(dir, "a"), ct, settings: PrimarySettings());
        var b = await RegistryTestHost.StartAsync(Path.Combine(dir, "b"), ct, settings: StandbyOf(a));
        Assert.True(SpinWait.SpinUntil(() => Backend(b).Follower!.SnapshotsInstalled > 0, TimeSpan.FromSeconds(20)), "the standby never installed the empty snapshot");
        await WriteAsync(a, Enumerable.Range(1, 5), ct);
        var target = Applied(a);
        Assert.True(SpinWait.SpinUntil(() => HostTlsTests.Visible(b) >= target, TimeSpan.FromSeconds(20)), $"standby at {HostTlsTests.Visible(b)} of {target}");
        using var promote = await b.ConnectAsync(ct);
        await promote.OkAsync(new { type = "promote", admin_token = RegistryTestHost.AdminToken }, ct);
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
        Assert.Equal(0, follower.SnapshotsInstalled);
        using var client = await rejoined.ConnectAsync(ct);
        Assert.Equal("pair-22", (await client.OkAsync(new { type = "lookup", node_id = 8 }, ct)).GetProperty("hostname").GetString());
        Assert.True(Backend(rejoined).CheckReadiness().IsReady, Backend(rejoined).CheckReadiness().Reason);
    }
}

using System.Collections.Concurrent;
using Registry.Persistence.Replication;
using Registry.Persistence.Tests;
using static Registry.Server.Tests.Registry.PrimaryStandbyTests;

namespace Registry.Server.Tests.Registry;

/// <summary>A planned switchover on two real hosts: the primary steps down, the standby is promoted once it holds everything the primary acknowledged.</summary>
public sealed class SwitchoverTests
{
    private static async Task<(RegistryTestHost A, RegistryTestHost B)> PairAsync(string dir, CancellationToken ct)
    {
        var a = await RegistryTestHost.StartAsync(Path.Combine(dir, "a"), ct, settings: PrimarySettings());
        var b = await RegistryTestHost.StartAsync(Path.Combine(dir, "b"), ct, settings: StandbyOf(a));
        Assert.True(SpinWait.SpinUntil(() => Backend(b).Follower!.SnapshotsInstalled > 0, TimeSpan.FromSeconds(20)), "the standby never installed the empty snapshot");
        return (a, b);
    }

    [Fact]
    public async Task StepDownThenPromoteAfterItsSequence_WhileClientsWrite_LosesNoAcknowledgedWrite()
    {
        var ct = Timeouts.Bounded(60);
        using var dir = new TempDirectory();
        var (a, b) = await PairAsync(dir.Path, ct);
        await using var standby = b;
        var acknowledged = new ConcurrentBag<(uint NodeId, string Hostname)>();
        var refusals = 0;
        await using (a)
        {
            // Four clients write as fast as they can until the primary refuses them.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
            {
                using var client = await a.ConnectAsync(ct);
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var key = 1000 + (w * 10_000) + i;
                    var reply = await client.SendAsync(UniqueRegister(key), ct);
                    if (reply.GetProperty("type").GetString() == "register_ok")
                    {
                        acknowledged.Add((reply.GetProperty("node_id").GetUInt32(), $"pair-{key}"));
                    }
                    else
                    {
                        Interlocked.Increment(ref refusals);
                        return;
                    }
                }
            }, ct)).ToList();
            Assert.True(SpinWait.SpinUntil(() => acknowledged.Count >= 50, TimeSpan.FromSeconds(20)), "the writers never got going");

            using var admin = await a.ConnectAsync(ct);
            var stepped = await admin.OkAsync(new { type = "step_down", admin_token = RegistryTestHost.AdminToken }, ct);
            var last = stepped.GetProperty("sequence").GetUInt64();
            Assert.Equal(1UL, stepped.GetProperty("epoch").GetUInt64());
            Assert.Equal(last, Timeline.Load(Path.Combine(dir.Path, "a")).SteppedDownAt);
            await Task.WhenAll(writers).WaitAsync(ct);
            Assert.Equal(4, refusals);

            // The stepped-down primary refuses writes, is not ready, and acknowledged nothing after `last`.
            Assert.Equal("error", (await admin.SendAsync(Register(1), ct)).GetProperty("type").GetString());
            Assert.Equal(last, Applied(a));
            var readiness = Backend(a).CheckReadiness();
            Assert.False(readiness.IsReady);
            Assert.Contains("stepped down", readiness.Reason, StringComparison.Ordinal);
            Assert.Equal(last, (await admin.OkAsync(new { type = "step_down", admin_token = RegistryTestHost.AdminToken }, ct)).GetProperty("sequence").GetUInt64());

            using var promote = await b.ConnectAsync(ct);
            var promoted = await promote.OkAsync(new { type = "promote", admin_token = RegistryTestHost.AdminToken, after_sequence = last }, ct);
            Assert.Equal(last, promoted.GetProperty("sequence").GetUInt64());
            Assert.Equal(2UL, promoted.GetProperty("epoch").GetUInt64());

            // The promoted server fences the stepped-down primary, durably, so no promote request can reopen it.
            Assert.True(SpinWait.SpinUntil(() => Timeline.Load(Path.Combine(dir.Path, "a")).SupersededBy == 2, TimeSpan.FromSeconds(20)), "the fence of a stepped-down primary was not recorded");
            var reopen = await admin.SendAsync(new { type = "promote", admin_token = RegistryTestHost.AdminToken }, ct);
            Assert.Contains("cannot take writes: superseded by epoch 2", reopen.GetProperty("error").GetString(), StringComparison.Ordinal);
        }

        // Every write the old primary acknowledged is on the new one, which now takes writes.
        using var client = await standby.ConnectAsync(ct);
        foreach (var (nodeId, hostname) in acknowledged)
        {
            Assert.Equal(hostname, (await client.OkAsync(new { type = "lookup", node_id = nodeId }, ct)).GetProperty("hostname").GetString());
        }

        await client.OkAsync(Register(7), ct);

        // The old primary rejoins as a standby with nothing to reconcile.
        await using var rejoined = await RegistryTestHost.StartAsync(Path.Combine(dir.Path, "a"), ct, settings: StandbyOf(standby));
        var target = Applied(standby);
        Assert.True(SpinWait.SpinUntil(() => HostTlsTests.Visible(rejoined) >= target, TimeSpan.FromSeconds(20)), $"rejoined at {HostTlsTests.Visible(rejoined)} of {target}");
        Assert.Null(Backend(rejoined).Follower!.DivergedAt);
        Assert.Equal(2UL, Timeline.Load(Path.Combine(dir.Path, "a")).Current);
    }

    /// <summary>A registration whose key is unique per <paramref name="key"/> (<see cref="Register"/> repeats one byte, so keys 256 apart collide).</summary>
    private static object UniqueRegister(int key)
    {
        var publicKey = new byte[32];
        BitConverter.TryWriteBytes(publicKey, key);
        publicKey[31] = 0x5A;
        return new { type = "register", public_key = Convert.ToBase64String(publicKey), hostname = $"pair-{key}" };
    }

    [Fact]
    public async Task StepDown_SurvivesARestart_AndAPromoteRequestToThePrimaryResumesItsWrites()
    {
        var ct = Timeouts.Bounded(60);
        using var dir = new TempDirectory();
        var (a, b) = await PairAsync(dir.Path, ct);
        await using var standby = b;
        ulong last;
        await using (a)
        {
            using var admin = await a.ConnectAsync(ct);
            await admin.OkAsync(Register(1), ct);
            last = (await admin.OkAsync(new { type = "step_down", admin_token = RegistryTestHost.AdminToken }, ct)).GetProperty("sequence").GetUInt64();
        }

        // Restarted in the middle of the switchover (a crash, a supervisor): still read-only, and it says why.
        var primaryDir = Path.Combine(dir.Path, "a");
        await using (var restarted = await RegistryTestHost.StartAsync(primaryDir, ct, settings: PrimarySettings()))
        {
            using var client = await restarted.ConnectAsync(ct);
            Assert.Equal("error", (await client.SendAsync(Register(2), ct)).GetProperty("type").GetString());
            Assert.Equal(last, Applied(restarted));
            Assert.Contains("stepped down", Backend(restarted).CheckReadiness().Reason, StringComparison.Ordinal);

            // The switchover is abandoned: a promote request to the primary takes writes again, durably.
            var resumed = await client.OkAsync(new { type = "promote", admin_token = RegistryTestHost.AdminToken }, ct);
            Assert.False(resumed.GetProperty("was_standby").GetBoolean());
            Assert.True(resumed.GetProperty("resumed").GetBoolean());
            await client.OkAsync(Register(2), ct);
            Assert.True(Backend(restarted).CheckReadiness().IsReady, Backend(restarted).CheckReadiness().Reason);
            Assert.Null(Timeline.Load(primaryDir).SteppedDownAt);
        }

        await using var again = await RegistryTestHost.StartAsync(primaryDir, ct, settings: PrimarySettings());
        using var writer = await again.ConnectAsync(ct);
        await writer.OkAsync(Register(3), ct);
    }

    [Fact]
    public async Task PromoteWhileTheOldPrimaryRuns_FencesIt()
    {
        var ct = Timeouts.Bounded(60);
        using var dir = new TempDirectory();
        var (a, b) = await PairAsync(dir.Path, ct);
        await using var old = a;
        await using var promoted = b;
        using var writer = await a.ConnectAsync(ct);
        await writer.OkAsync(UniqueRegister(1), ct);

        // Replication is asynchronous: promoting B before it holds A's write would lose that write and split the two
        // histories at its sequence, so the rejoin below would be refused as diverged (what this test once hit).
        var written = Applied(a);
        Assert.True(SpinWait.SpinUntil(() => HostTlsTests.Visible(b) >= written, TimeSpan.FromSeconds(20)), "the standby never received the write");
        using var promote = await b.ConnectAsync(ct);
        await promote.OkAsync(new { type = "promote", admin_token = RegistryTestHost.AdminToken }, ct);

        // The promoted server tells A that epoch 2 exists; A stops taking writes instead of splitting the history.
        Assert.True(SpinWait.SpinUntil(() => Backend(a).Registry!.WritesClosed, TimeSpan.FromSeconds(20)), "the old primary was not fenced");
        Assert.Equal("error", (await writer.SendAsync(UniqueRegister(2), ct)).GetProperty("type").GetString());
        Assert.Contains("superseded", Backend(a).CheckReadiness().Reason, StringComparison.Ordinal);
        using var client = await b.ConnectAsync(ct);
        await client.OkAsync(UniqueRegister(3), ct);

        // The fence outlives a restart as a primary; starting as the new primary's standby lifts it.
        Assert.True(SpinWait.SpinUntil(() => Timeline.Load(Path.Combine(dir.Path, "a")).SupersededBy == 2, TimeSpan.FromSeconds(20)), "the fence was not recorded");
        await old.DisposeAsync();
        await using (var restarted = await RegistryTestHost.StartAsync(Path.Combine(dir.Path, "a"), ct, settings: PrimarySettings()))
        {
            Assert.True(Backend(restarted).Registry!.WritesClosed);
            using var again = await restarted.ConnectAsync(ct);
            Assert.Equal("error", (await again.SendAsync(UniqueRegister(4), ct)).GetProperty("type").GetString());
        }

        await using var rejoined = await RegistryTestHost.StartAsync(Path.Combine(dir.Path, "a"), ct, settings: StandbyOf(b));
        var target = Applied(b);
        Assert.True(SpinWait.SpinUntil(() => HostTlsTests.Visible(rejoined) >= target, TimeSpan.FromSeconds(20)), $"rejoined at {HostTlsTests.Visible(rejoined)} of {target}");
        Assert.True(
            SpinWait.SpinUntil(() => Timeline.Load(Path.Combine(dir.Path, "a")).SupersededBy is null, TimeSpan.FromSeconds(20)),
            $"the adopted timeline still carries the fence: {Timeline.Load(Path.Combine(dir.Path, "a"))}, in memory {Backend(rejoined).TimelineForTests}");
    }

    [Fact]
    public async Task PromoteWhileTheOldPrimaryIsDown_FencesItWhenItComesBack()
    {
        var ct = Timeouts.Bounded(60);
        using var dir = new TempDirectory();
        var (a, b) = await PairAsync(dir.Path, ct);
        await using var promoted = b;
        var oldEndPoint = a.EndPoint;
        await a.DisposeAsync();

        using var promote = await b.ConnectAsync(ct);
        await promote.OkAsync(new { type = "promote", admin_token = RegistryTestHost.AdminToken }, ct);

        // Back on its old address as a primary, as a supervisor would restart it: fenced at the promoted server's next attempt.
        var settings = PrimarySettings();
        settings["Registry:ListenEndpoint"] = oldEndPoint.ToString();
        await using var back = await RegistryTestHost.StartAsync(Path.Combine(dir.Path, "a"), ct, settings: settings);
        Assert.True(SpinWait.SpinUntil(() => Backend(back).Registry!.WritesClosed, TimeSpan.FromSeconds(20)), "the old primary was not fenced after coming back");

        // Recorded right after the writes close, so that the next restart stays fenced.
        Assert.True(SpinWait.SpinUntil(() => Timeline.Load(Path.Combine(dir.Path, "a")).SupersededBy == 2, TimeSpan.FromSeconds(20)), "the fence was not recorded");
    }

    [Fact]
    public async Task PromoteAfterASequenceThatNeverArrives_TimesOutAndKeepsFollowing()
    {
        var ct = Timeouts.Bounded(60);
        using var dir = new TempDirectory();
        var (a, b) = await PairAsync(dir.Path, ct);
        await using var primary = a;
        await using var standby = b;

        using var promote = await b.ConnectAsync(ct);
        var refused = await promote.SendAsync(new { type = "promote", admin_token = RegistryTestHost.AdminToken, after_sequence = Applied(a) + 100, timeout_ms = 200 }, ct);

        Assert.Equal("error", refused.GetProperty("type").GetString());
        Assert.Contains("cannot promote yet", refused.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.True(Backend(b).IsStandby);
        Assert.NotNull(Backend(b).Follower);
        using var writer = await a.ConnectAsync(ct);
        await writer.OkAsync(Register(3), ct);
        var target = Applied(a);
        Assert.True(SpinWait.SpinUntil(() => HostTlsTests.Visible(b) >= target, TimeSpan.FromSeconds(20)), "the standby stopped following");
    }

    [Fact]
    public async Task StepDown_OnAStandbyOrWithoutTheAdminToken_IsRefusedAndChangesNothing()
    {
        var ct = Timeouts.Bounded(60);
        using var dir = new TempDirectory();
        var (a, b) = await PairAsync(dir.Path, ct);
        await using var primary = a;
        await using var standby = b;

        using var toStandby = await b.ConnectAsync(ct);
        var onStandby = await toStandby.SendAsync(new { type = "step_down", admin_token = RegistryTestHost.AdminToken }, ct);
        Assert.Equal("step_down: cannot step down a standby; step down its primary", onStandby.GetProperty("error").GetString());

        using var toPrimary = await a.ConnectAsync(ct);
        var unauthorised = await toPrimary.SendAsync(new { type = "step_down", admin_token = "wrong" }, ct);
        Assert.Equal("error", unauthorised.GetProperty("type").GetString());
        await toPrimary.OkAsync(Register(4), ct);
        Assert.True(Backend(a).CheckReadiness().IsReady, Backend(a).CheckReadiness().Reason);
    }
}

using Registry.Persistence.Tests;
using static Registry.Server.Tests.Registry.PrimaryStandbyTests;

namespace Registry.Server.Tests.Registry;

/// <summary>server_status: a running server's role, writes, epoch, sequences, readiness and replication view, for the admin only.</summary>
public sealed class ServerStatusTests
{
    [Fact]
    public async Task ServerStatus_OnAPrimaryAndItsStandby_SaysWhatEachIs_AndFollowsAStepDown()
    {
        var ct = Timeouts.Bounded(60);
        using var dir = new TempDirectory();
        await using var primary = await RegistryTestHost.StartAsync(dir.Combine("a"), ct, settings: PrimarySettings());
        await using var standby = await RegistryTestHost.StartAsync(dir.Combine("b"), ct, settings: StandbyOf(primary));
        using var toPrimary = await primary.ConnectAsync(ct);
        using var toStandby = await standby.ConnectAsync(ct);
        await toPrimary.OkAsync(Register(1), ct);
        var target = Applied(primary);
        Assert.True(SpinWait.SpinUntil(() => Applied(standby) >= target && Backend(standby).Follower!.CaughtUp && Backend(standby).Follower!.Behind == TimeSpan.Zero, TimeSpan.FromSeconds(20)), "the standby did not catch up");

        var refused = await toPrimary.SendAsync(new { type = "server_status", admin_token = "wrong" }, ct);
        Assert.Equal("error", refused.GetProperty("type").GetString());

        var ofPrimary = await toPrimary.OkAsync(new { type = "server_status", admin_token = RegistryTestHost.AdminToken }, ct);
        Assert.Equal("primary", ofPrimary.GetProperty("role").GetString());
        Assert.True(ofPrimary.GetProperty("writes").GetBoolean());
        Assert.True(ofPrimary.GetProperty("ready").GetBoolean());
        Assert.Equal(1UL, ofPrimary.GetProperty("epoch").GetUInt64());
        Assert.Equal(target, ofPrimary.GetProperty("appended_sequence").GetUInt64());
        Assert.Equal(1, ofPrimary.GetProperty("subscribers").GetInt32());
        Assert.Equal(32, ofPrimary.GetProperty("server_id").GetString()!.Length);

        var ofStandby = await toStandby.OkAsync(new { type = "server_status", admin_token = RegistryTestHost.AdminToken }, ct);
        Assert.Equal("standby", ofStandby.GetProperty("role").GetString());
        Assert.False(ofStandby.GetProperty("writes").GetBoolean());
        Assert.Equal(primary.EndPoint.ToString(), ofStandby.GetProperty("standby_of").GetString());
        Assert.True(ofStandby.GetProperty("appended_sequence").GetUInt64() >= target);
        Assert.True(ofStandby.TryGetProperty("lag_sequences", out _));
        Assert.True(ofStandby.GetProperty("caught_up").GetBoolean());
        Assert.Equal(0UL, ofStandby.GetProperty("lag_ms").GetUInt64());
        Assert.False(ofPrimary.TryGetProperty("caught_up", out _));
        Assert.NotEqual(ofPrimary.GetProperty("server_id").GetString(), ofStandby.GetProperty("server_id").GetString());

        await toPrimary.OkAsync(new { type = "step_down", admin_token = RegistryTestHost.AdminToken }, ct);
        var stepped = await toPrimary.OkAsync(new { type = "server_status", admin_token = RegistryTestHost.AdminToken }, ct);
        Assert.False(stepped.GetProperty("writes").GetBoolean());
        Assert.Contains("stepped down", stepped.GetProperty("writes_refused").GetString(), StringComparison.Ordinal);
        Assert.False(stepped.GetProperty("ready").GetBoolean());
        Assert.Contains("stepped down", stepped.GetProperty("not_ready").GetString(), StringComparison.Ordinal);
    }
}

using Microsoft.Extensions.DependencyInjection;
using Registry.Persistence.Tests;
using Registry.Server.Hosting;
using Registry.Server.Registry;

namespace Registry.Server.Tests.Registry;

/// <summary>A primary and a standby as two real hosts on 127.0.0.1: replication, refused writes, readiness, promotion.</summary>
public sealed class PrimaryStandbyTests
{
    internal const string Token = "pair-token";

    /// <summary>A primary's settings: replication on with <see cref="Token"/>.</summary>
    internal static Dictionary<string, string?> PrimarySettings() => new() { ["Registry:ReplicationToken"] = Token };

    /// <summary>The settings of a standby of <paramref name="primary"/>.</summary>
    internal static Dictionary<string, string?> StandbyOf(RegistryTestHost primary) => new()
    {
        ["Registry:ReplicationToken"] = Token,
        ["Registry:StandbyOf"] = primary.EndPoint.ToString(),
    };

    internal static StoreBackend Backend(RegistryTestHost host) => (StoreBackend)host.Services.GetRequiredService<IRegistryBackend>();

    internal static ulong Applied(RegistryTestHost host) => Backend(host).Registry!.Store.Log.AppendedSequence;

    internal static object Register(int i) => new
    {
        type = "register",
        public_key = Convert.ToBase64String(Enumerable.Repeat((byte)i, 32).ToArray()),
        hostname = $"pair-{i}",
    };

    [Fact]
    public async Task Standby_ReplicatesRefusesWritesAndIsPromotedLiveAndAfterRestart()
    {
        var ct = Timeouts.Bounded(60);
        using var dir = new global::Registry.Persistence.Tests.TempDirectory();
        await using var primary = await RegistryTestHost.StartAsync(dir.Combine("primary"), ct, settings: new Dictionary<string, string?> { ["Registry:ReplicationToken"] = Token });
        using var primaryClient = await primary.ConnectAsync(ct);
        for (var i = 1; i <= 5; i++)
        {
            await primaryClient.OkAsync(Register(i), ct);
        }

        var metricsPort = LoopbackPort.Free();
        var standbySettings = new Dictionary<string, string?>
        {
            ["Registry:MetricsEndpoint"] = $"127.0.0.1:{metricsPort}",
            ["Registry:ReplicationToken"] = Token,
            ["Registry:StandbyOf"] = primary.EndPoint.ToString(),
        };
        var standbyDir = dir.Combine("standby");
        await using (var standby = await RegistryTestHost.StartAsync(standbyDir, ct, settings: standbySettings))
        {
            for (var i = 6; i <= 8; i++)
            {
                await primaryClient.OkAsync(Register(i), ct);
            }

            var target = Applied(primary);
            Assert.True(SpinWait.SpinUntil(() => HostTlsTests.Visible(standby) >= target, TimeSpan.FromSeconds(20)), $"standby at {HostTlsTests.Visible(standby)} of {target}");
            using var standbyClient = await standby.ConnectAsync(ct);
            var lookup = await standbyClient.OkAsync(new { type = "lookup", node_id = 8 }, ct);
            Assert.Equal("pair-8", lookup.GetProperty("hostname").GetString());

            var refused = await standbyClient.SendAsync(Register(9), ct);
            Assert.Equal("error", refused.GetProperty("type").GetString());
            var metrics = await new HttpClient().GetStringAsync(new Uri($"http://127.0.0.1:{metricsPort}/metrics"), ct);
            Assert.Contains("registry_replication_lag_sequences", metrics, StringComparison.Ordinal);
            var readiness = Backend(standby).CheckReadiness();
            Assert.True(readiness.IsReady, readiness.Reason);

            // Promotion while running: a wrong token is refused; the admin token turns the standby into a primary.
            Assert.Equal("error", (await standbyClient.SendAsync(new { type = "promote", admin_token = "wrong" }, ct)).GetProperty("type").GetString());
            var promotedNow = await standbyClient.OkAsync(new { type = "promote", admin_token = RegistryTestHost.AdminToken }, ct);
            Assert.True(promotedNow.GetProperty("was_standby").GetBoolean());
            Assert.Equal(Applied(standby), promotedNow.GetProperty("sequence").GetUInt64());
            var written = await standbyClient.OkAsync(Register(20), ct);
            Assert.True(written.GetProperty("node_id").GetUInt32() > 8);
        }

        // Promotion: the standby's directory is a complete registry; started without StandbyOf it takes writes.
        await using var promoted = await RegistryTestHost.StartAsync(standbyDir, ct, settings: new Dictionary<string, string?> { ["Registry:ReplicationToken"] = Token });
        using var promotedClient = await promoted.ConnectAsync(ct);
        Assert.Equal("pair-5", (await promotedClient.OkAsync(new { type = "lookup", node_id = 5 }, ct)).GetProperty("hostname").GetString());
        var registered = await promotedClient.OkAsync(Register(9), ct);
        Assert.Equal(10, registered.GetProperty("node_id").GetInt32());
    }

    [Fact]
    public async Task Standby_ServesBinaryHeartbeatAndLookup_WithoutWritingItsLog()
    {
        var ct = Timeouts.Bounded(60);
        using var dir = new global::Registry.Persistence.Tests.TempDirectory();
        await using var primary = await RegistryTestHost.StartAsync(dir.Combine("primary"), ct, settings: new Dictionary<string, string?> { ["Registry:ReplicationToken"] = Token });
        using var primaryClient = await primary.ConnectAsync(ct);
        using var key = new NodeKey();
        var id = await primaryClient.RegisterAsync(key, ct, hostname: "bin-node");

        await using var standby = await RegistryTestHost.StartAsync(dir.Combine("standby"), ct, settings: new Dictionary<string, string?>
        {
            ["Registry:ReplicationToken"] = Token,
            ["Registry:StandbyOf"] = primary.EndPoint.ToString(),
        });
        var target = Applied(primary);
        Assert.True(SpinWait.SpinUntil(() => HostTlsTests.Visible(standby) >= target, TimeSpan.FromSeconds(20)), $"standby at {HostTlsTests.Visible(standby)} of {target}");
        using var binary = await BinaryClient.ConnectAsync(standby.EndPoint, ct);
        var sequence = Applied(standby);

        var heartbeat = await binary.RequestAsync(Protocol.BinaryWire.Heartbeat, BinaryClient.Heartbeat(id, key), ct);
        var lookup = await binary.RequestAsync(Protocol.BinaryWire.Lookup, BinaryClient.U32(id), ct);
        var refused = await binary.JsonAsync(Register(77), ct);

        Assert.Equal(0x81, heartbeat.Type);
        Assert.Equal(0x82, lookup.Type);
        var reader = new PayloadReader(lookup.Payload);
        Assert.Equal(id, reader.U32());
        Assert.Equal("error", refused.GetProperty("type").GetString());
        Assert.Equal(sequence, Applied(standby));
    }

    [Fact]
    public async Task Standby_AnswersNextTierReads_RefusesNextTierWrites()
    {
        var ct = Timeouts.Bounded(60);
        using var dir = new global::Registry.Persistence.Tests.TempDirectory();
        const string Admin = RegistryTestHost.AdminToken;
        await using var primary = await RegistryTestHost.StartAsync(dir.Combine("primary"), ct, settings: new Dictionary<string, string?> { ["Registry:ReplicationToken"] = Token });
        using var primaryClient = await primary.ConnectAsync(ct);
        using var owner = new NodeKey();
        using var guest = new NodeKey();
        var ownerId = await primaryClient.RegisterAsync(owner, ct);
        var guestId = await primaryClient.RegisterAsync(guest, ct);
        var net = await NextTierSetup.CreateNetworkAsync(primaryClient, ownerId, "corp", ct, joinRule: "invite");
        await primaryClient.OkAsync(new { type = "set_network_policy", network_id = net, max_members = 9, allowed_ports = new[] { 443 }, description = "prod", node_id = ownerId }, ct);
        await primaryClient.OkAsync(new { type = "set_expr_policy", network_id = net, expr_policy = new { version = 1, rules = new[] { 1 } }, node_id = ownerId }, ct);
        await primaryClient.OkAsync(new { type = "set_member_tags", network_id = net, target_node_id = ownerId, tags = new[] { "lead" }, node_id = ownerId }, ct);
        await primaryClient.OkAsync(new { type = "set_external_id", node_id = ownerId, external_id = "owner-corp", admin_token = Admin }, ct);
        await primaryClient.OkAsync(new { type = "invite_to_network", network_id = net, inviter_id = ownerId, target_node_id = guestId, admin_token = Admin }, ct);

        await using var standby = await RegistryTestHost.StartAsync(dir.Combine("standby"), ct, settings: new Dictionary<string, string?>
        {
            ["Registry:ReplicationToken"] = Token,
            ["Registry:StandbyOf"] = primary.EndPoint.ToString(),
        });
        var target = Applied(primary);
        Assert.True(SpinWait.SpinUntil(() => HostTlsTests.Visible(standby) >= target, TimeSpan.FromSeconds(20)), $"standby at {HostTlsTests.Visible(standby)} of {target}");
        using var standbyClient = await standby.ConnectAsync(ct);

        object[] reads =
        [
            new { type = "get_key_info", node_id = ownerId },
            new { type = "get_member_role", network_id = net, target_node_id = ownerId },
            new { type = "get_member_tags", network_id = net },
            new { type = "get_network_policy", network_id = net },
            new { type = "get_expr_policy", network_id = net },
            new { type = "get_identity", node_id = ownerId, admin_token = Admin },
            new { type = "poll_invites", node_id = guestId, signature = guest.Sign($"poll_invites:{guestId}") },
        ];
        foreach (var read in reads)
        {
            Assert.Equal((await primaryClient.OkAsync(read, ct)).ToString(), (await standbyClient.OkAsync(read, ct)).ToString());
        }

        object[] writes =
        [
            new { type = "set_key_expiry", node_id = ownerId, expires_at = "never", admin_token = Admin },
            new { type = "set_external_id", node_id = ownerId, external_id = "x", admin_token = Admin },
            new { type = "rename_network", network_id = net, name = "other", admin_token = Admin },
            new { type = "set_network_enterprise", network_id = net, enterprise = false, admin_token = Admin },
            new { type = "invite_to_network", network_id = net, inviter_id = ownerId, target_node_id = guestId, admin_token = Admin },
            new { type = "respond_invite", node_id = guestId, network_id = net, accept = true, signature = guest.Sign($"respond_invite:{guestId}:{net}") },
            new { type = "kick_member", network_id = net, target_node_id = ownerId, admin_token = Admin },
            new { type = "promote_member", network_id = net, target_node_id = ownerId, admin_token = Admin },
            new { type = "demote_member", network_id = net, target_node_id = ownerId, admin_token = Admin },
            new { type = "transfer_ownership", network_id = net, new_owner_id = ownerId, admin_token = Admin },
            new { type = "set_member_tags", network_id = net, target_node_id = ownerId, tags = new[] { "x" }, admin_token = Admin },
            new { type = "set_network_policy", network_id = net, max_members = 0, admin_token = Admin },
            new { type = "set_expr_policy", network_id = net, expr_policy = "null", admin_token = Admin },
        ];
        var sequence = Applied(standby);
        foreach (var write in writes)
        {
            Assert.Equal("request failed", await standbyClient.ErrorAsync(write, ct));
        }

        Assert.Equal(sequence, Applied(standby));
        Assert.Equal("corp", (await standbyClient.OkAsync(new { type = "list_networks" }, ct)).GetProperty("networks")[1].GetProperty("name").GetString());
    }
}

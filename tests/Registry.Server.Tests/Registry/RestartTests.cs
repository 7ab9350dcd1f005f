using Registry.Persistence.Tests;

namespace Registry.Server.Tests.Registry;

/// <summary>Everything acknowledged survives a stop and a start on the same data directory.</summary>
public sealed class RestartTests
{
    [Fact]
    public async Task Restart_SameDataDirectory_StateIsAllThere()
    {
        var ct = Timeouts.Bounded(30);
        using var dir = new TempDirectory();
        using var a = new NodeKey();
        using var b = new NodeKey();
        uint idA, idB;
        ushort netId;
        string lookupA, lookupB, networks, members;
        await using (var host = await RegistryTestHost.StartAsync(dir.Path, ct))
        {
            using var client = await host.ConnectAsync(ct);
            idA = await client.RegisterAsync(a, ct, hostname: "alpha");
            idB = await client.RegisterAsync(b, ct);
            await client.OkAsync(new { type = "set_tags", node_id = idA, tags = new[] { "gpu" }, signature = a.Sign($"set_tags:{idA}") }, ct);
            await client.OkAsync(new { type = "set_visibility", node_id = idB, @public = true, signature = b.Sign($"set_visibility:{idB}") }, ct);
            await client.OkAsync(new { type = "set_task_exec", node_id = idB, enabled = true, signature = b.Sign($"set_task_exec:{idB}") }, ct);
            await client.OkAsync(new { type = "report_trust", node_id = idA, peer_id = idB, signature = a.Sign($"report_trust:{idA}:{idB}") }, ct);
            netId = (await client.OkAsync(new { type = "create_network", node_id = idA, name = "lab", admin_token = RegistryTestHost.AdminToken }, ct)).GetProperty("network_id").GetUInt16();
            await client.OkAsync(new { type = "join_network", node_id = idB, network_id = netId, signature = b.Sign($"join_network:{idB}:{netId}") }, ct);
            await client.OkAsync(new { type = "request_handshake", from_node_id = idB, to_node_id = idA, justification = "pending", signature = b.Sign($"handshake:{idB}:{idA}") }, ct);
            lookupA = (await client.OkAsync(new { type = "lookup", node_id = idA }, ct)).ToString();
            lookupB = (await client.OkAsync(new { type = "lookup", node_id = idB }, ct)).ToString();
            networks = (await client.OkAsync(new { type = "list_networks", admin_token = RegistryTestHost.AdminToken }, ct)).ToString();
            members = (await client.OkAsync(new { type = "list_nodes", network_id = netId }, ct)).ToString();
        }

        await using (var host = await RegistryTestHost.StartAsync(dir.Path, ct))
        {
            using var client = await host.ConnectAsync(ct);
            Assert.Equal(lookupA, (await client.OkAsync(new { type = "lookup", node_id = idA }, ct)).ToString());
            Assert.Equal(lookupB, (await client.OkAsync(new { type = "lookup", node_id = idB }, ct)).ToString());
            Assert.Equal(networks, (await client.OkAsync(new { type = "list_networks", admin_token = RegistryTestHost.AdminToken }, ct)).ToString());
            Assert.Equal(members, (await client.OkAsync(new { type = "list_nodes", network_id = netId }, ct)).ToString());
            Assert.Equal(idA, (await client.OkAsync(new { type = "resolve_hostname", hostname = "alpha", requester_id = idA }, ct)).GetProperty("node_id").GetUInt32());
            Assert.Equal(idA, (await client.OkAsync(new { type = "register", public_key = a.PublicKey }, ct)).GetProperty("node_id").GetUInt32());
            var inbox = await client.OkAsync(new { type = "poll_handshakes", node_id = idA, signature = a.Sign($"poll_handshakes:{idA}") }, ct);
            Assert.Equal("pending", Assert.Single(inbox.GetProperty("requests").EnumerateArray()).GetProperty("justification").GetString());
            await client.OkAsync(new { type = "revoke_trust", node_id = idA, peer_id = idB, signature = a.Sign($"revoke_trust:{idA}:{idB}") }, ct);
            using var c = new NodeKey();
            Assert.Equal(3u, await client.RegisterAsync(c, ct));
        }
    }

    [Fact]
    public async Task Restart_NextTierMutations_AreAllThere()
    {
        var ct = Timeouts.Bounded(30);
        using var dir = new TempDirectory();
        using var owner = new NodeKey();
        using var guest = new NodeKey();
        const string Admin = RegistryTestHost.AdminToken;
        var expires = DateTimeOffset.UtcNow.AddDays(30).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        uint ownerId, guestId, memberId;
        ushort net, vip;
        object[] reads;
        string[] before;
        await using (var host = await RegistryTestHost.StartAsync(dir.Path, ct))
        {
            using var client = await host.ConnectAsync(ct);
            ownerId = await client.RegisterAsync(owner, ct);
            guestId = await client.RegisterAsync(guest, ct);
            memberId = (await NextTierSetup.RegisterAsync(client, 1, ct))[0];
            net = await NextTierSetup.CreateNetworkAsync(client, ownerId, "lab", ct, enterprise: false, members: memberId);
            vip = await NextTierSetup.CreateNetworkAsync(client, ownerId, "vip", ct, joinRule: "invite");
            await client.OkAsync(new { type = "set_network_enterprise", network_id = net, enterprise = true, admin_token = Admin }, ct);
            await client.OkAsync(new { type = "rename_network", network_id = net, name = "research", node_id = ownerId }, ct);
            await client.OkAsync(new { type = "promote_member", network_id = net, target_node_id = memberId, node_id = ownerId }, ct);
            await client.OkAsync(new { type = "set_member_tags", network_id = net, target_node_id = memberId, tags = new[] { "gpu" }, node_id = ownerId }, ct);
            await client.OkAsync(new { type = "set_network_policy", network_id = net, max_members = 9, allowed_ports = new[] { 443 }, description = "prod", node_id = ownerId }, ct);
            await client.OkAsync(new { type = "set_expr_policy", network_id = net, expr_policy = new { version = 1, rules = new[] { 1 } }, node_id = ownerId }, ct);
            await client.OkAsync(new { type = "set_external_id", node_id = ownerId, external_id = "owner-corp", admin_token = Admin }, ct);
            await client.OkAsync(new { type = "set_key_expiry", node_id = ownerId, expires_at = expires, signature = owner.Sign($"set_key_expiry:{ownerId}") }, ct);
            await client.OkAsync(new { type = "invite_to_network", network_id = vip, inviter_id = ownerId, target_node_id = guestId, signature = owner.Sign($"invite:{ownerId}:{vip}:{guestId}") }, ct);
            reads =
            [
                new { type = "get_member_role", network_id = net, target_node_id = memberId },
                new { type = "get_member_tags", network_id = net },
                new { type = "get_network_policy", network_id = net },
                new { type = "get_expr_policy", network_id = net },
                new { type = "get_identity", node_id = ownerId, admin_token = Admin },
                new { type = "poll_invites", node_id = guestId, signature = guest.Sign($"poll_invites:{guestId}") },
                new { type = "list_networks" },
            ];
            before = new string[reads.Length];
            for (var i = 0; i < reads.Length; i++)
            {
                before[i] = (await client.OkAsync(reads[i], ct)).ToString();
            }
        }

        await using (var host = await RegistryTestHost.StartAsync(dir.Path, ct))
        {
            using var client = await host.ConnectAsync(ct);
            foreach (var (read, expected) in reads.Zip(before))
            {
                Assert.Equal(expected, (await client.OkAsync(read, ct)).ToString());
            }

            Assert.Equal(expires, (await client.OkAsync(new { type = "get_key_info", node_id = ownerId }, ct)).GetProperty("expires_at").GetString());
            Assert.Contains("\"name\":\"research\"", before[^1], StringComparison.Ordinal);
            Assert.Single((await client.OkAsync(new { type = "poll_invites", node_id = guestId, signature = guest.Sign($"poll_invites:{guestId}") }, ct)).GetProperty("invites").EnumerateArray());
        }
    }
}

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
}

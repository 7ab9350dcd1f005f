using Registry.Persistence.Tests;

namespace Registry.Server.Tests.Registry;

/// <summary>Discovery (lookup, resolve, resolve_hostname, list_nodes, list_networks) and trust (pairs, handshakes) over TCP.</summary>
public sealed class QueryAndTrustHandlerTests : StoreHostTestBase
{
    [Fact]
    public async Task Resolve_PrivateTarget_DeniedUntilTrusted_ThenReturnsAddress()
    {
        var ct = Timeouts.Bounded();
        using var client = await Host.ConnectAsync(ct);
        using var a = new NodeKey();
        using var b = new NodeKey();
        var idA = await client.RegisterAsync(a, ct);
        var idB = await client.RegisterAsync(b, ct, hostname: "bee");

        // "resolve denied: …" is not let through by the sanitizer (§1.2).
        Assert.Equal("request failed", await client.ErrorAsync(new { type = "resolve", node_id = idB, requester_id = idA, signature = a.Sign($"resolve:{idA}:{idB}") }, ct));
        Assert.Equal("request failed", await client.ErrorAsync(new { type = "resolve", node_id = idB, requester_id = 999, signature = a.Sign($"resolve:999:{idB}") }, ct));
        Assert.Equal("signature verification failed", await client.ErrorAsync(new { type = "resolve", node_id = idB, requester_id = idA, signature = b.Sign($"resolve:{idA}:{idB}") }, ct));
        Assert.Equal("hostname \"bee\" not found", await client.ErrorAsync(new { type = "resolve_hostname", hostname = "bee", requester_id = idA }, ct));
        Assert.Equal("hostname required", await client.ErrorAsync(new { type = "resolve_hostname" }, ct));
        Assert.False((await client.OkAsync(new { type = "check_trust", node_id = idA, peer_id = idB }, ct)).GetProperty("trusted").GetBoolean());

        await client.OkAsync(new { type = "report_trust", node_id = idB, peer_id = idA, signature = b.Sign($"report_trust:{idB}:{idA}") }, ct);

        Assert.True((await client.OkAsync(new { type = "check_trust", node_id = idA, peer_id = idB }, ct)).GetProperty("trusted").GetBoolean());
        var resolved = await client.OkAsync(new { type = "resolve", node_id = idB, requester_id = idA, signature = a.Sign($"resolve:{idA}:{idB}") }, ct);
        Assert.Equal("203.0.113.7:4000", resolved.GetProperty("real_addr").GetString());
        Assert.Equal(0, resolved.GetProperty("key_age_days").GetInt32());
        var byName = await client.OkAsync(new { type = "resolve_hostname", hostname = "bee", requester_id = idA }, ct);
        Assert.Equal(idB, byName.GetProperty("node_id").GetUInt32());
        Assert.False(byName.GetProperty("public").GetBoolean());

        Assert.Equal("signature verification failed", await client.ErrorAsync(new { type = "revoke_trust", node_id = idA, peer_id = idB, signature = b.Sign($"revoke_trust:{idA}:{idB}") }, ct));
        await client.OkAsync(new { type = "revoke_trust", node_id = idA, peer_id = idB, signature = a.Sign($"revoke_trust:{idA}:{idB}") }, ct);
        Assert.False((await client.OkAsync(new { type = "check_trust", node_id = idA, peer_id = idB }, ct)).GetProperty("trusted").GetBoolean());
        Assert.Equal("request failed", await client.ErrorAsync(new { type = "revoke_trust", node_id = idA, peer_id = idB, signature = a.Sign($"revoke_trust:{idA}:{idB}") }, ct));
        Assert.Equal("node 55: node not found", await client.ErrorAsync(new { type = "report_trust", node_id = idA, peer_id = 55, signature = a.Sign($"report_trust:{idA}:55") }, ct));
    }

    [Fact]
    public async Task Handshake_RequestPollRespond_CreatesTrustAndDeliversAnswer()
    {
        var ct = Timeouts.Bounded();
        using var client = await Host.ConnectAsync(ct);
        using var a = new NodeKey();
        using var b = new NodeKey();
        var idA = await client.RegisterAsync(a, ct);
        var idB = await client.RegisterAsync(b, ct);

        Assert.Equal("handshake request requires signature", await client.ErrorAsync(new { type = "request_handshake", from_node_id = idA, to_node_id = idB }, ct));
        Assert.Equal("handshake request signature verification failed", await client.ErrorAsync(new { type = "request_handshake", from_node_id = idA, to_node_id = idB, signature = b.Sign($"handshake:{idA}:{idB}") }, ct));
        // "justification too large: …" matches none of the sanitizer's substrings ("too long" does, "too large" does not).
        Assert.Equal("request failed", await client.ErrorAsync(new { type = "request_handshake", from_node_id = idA, to_node_id = idB, justification = new string('x', 1025), signature = a.Sign($"handshake:{idA}:{idB}") }, ct));
        var sent = await client.OkAsync(new { type = "request_handshake", from_node_id = idA, to_node_id = idB, justification = "hi", signature = a.Sign($"handshake:{idA}:{idB}") }, ct);
        Assert.Equal("delivered", sent.GetProperty("status").GetString());
        Assert.Equal($"handshake request already pending from node {idA}", await client.ErrorAsync(new { type = "request_handshake", from_node_id = idA, to_node_id = idB, justification = "again", signature = a.Sign($"handshake:{idA}:{idB}") }, ct));

        var inbox = await client.OkAsync(new { type = "poll_handshakes", node_id = idB, signature = b.Sign($"poll_handshakes:{idB}") }, ct);
        var request = Assert.Single(inbox.GetProperty("requests").EnumerateArray());
        Assert.Equal(idA, request.GetProperty("from_node_id").GetUInt32());
        Assert.Equal("hi", request.GetProperty("justification").GetString());
        var empty = await client.OkAsync(new { type = "poll_handshakes", node_id = idB, signature = b.Sign($"poll_handshakes:{idB}") }, ct);
        Assert.Empty(empty.GetProperty("requests").EnumerateArray());

        Assert.Equal("request failed", await client.ErrorAsync(new { type = "respond_handshake", node_id = idA, peer_id = idB, accept = true, signature = a.Sign($"respond:{idA}:{idB}") }, ct));
        var answered = await client.OkAsync(new { type = "respond_handshake", node_id = idB, peer_id = idA, accept = true, signature = b.Sign($"respond:{idB}:{idA}") }, ct);
        Assert.True(answered.GetProperty("accept").GetBoolean());
        Assert.Equal(idA, answered.GetProperty("peer_id").GetUInt32());

        Assert.True((await client.OkAsync(new { type = "check_trust", node_id = idA, peer_id = idB }, ct)).GetProperty("trusted").GetBoolean());
        var responses = await client.OkAsync(new { type = "poll_handshakes", node_id = idA, signature = a.Sign($"poll_handshakes:{idA}") }, ct);
        var response = Assert.Single(responses.GetProperty("responses").EnumerateArray());
        Assert.Equal(idB, response.GetProperty("from_node_id").GetUInt32());
        Assert.True(response.GetProperty("accept").GetBoolean());
    }

    [Fact]
    public async Task ListNodesAndNetworks_BackboneNeedsAdmin_OthersOpen()
    {
        var ct = Timeouts.Bounded();
        using var client = await Host.ConnectAsync(ct);
        using var a = new NodeKey();
        var idA = await client.RegisterAsync(a, ct, hostname: "alpha");

        Assert.Equal("request failed", await client.ErrorAsync(new { type = "list_nodes", network_id = 0 }, ct));
        var backbone = await client.OkAsync(new { type = "list_nodes", network_id = 0, admin_token = RegistryTestHost.AdminToken }, ct);
        var node = Assert.Single(backbone.GetProperty("nodes").EnumerateArray());
        Assert.Equal(idA, node.GetProperty("node_id").GetUInt32());
        Assert.Equal("0:0000.0000.0001", node.GetProperty("address").GetString());
        Assert.Equal("alpha", node.GetProperty("hostname").GetString());
        Assert.EndsWith("Z", node.GetProperty("last_seen").GetString(), StringComparison.Ordinal);
        Assert.Equal("network 9: network not found", await client.ErrorAsync(new { type = "list_nodes", network_id = 9 }, ct));

        var networks = await client.OkAsync(new { type = "list_networks" }, ct);
        var net = Assert.Single(networks.GetProperty("networks").EnumerateArray());
        Assert.Equal("backbone", net.GetProperty("name").GetString());
        Assert.Equal("open", net.GetProperty("join_rule").GetString());
        Assert.False(net.TryGetProperty("members", out _));
        var asAdmin = await client.OkAsync(new { type = "list_networks", admin_token = RegistryTestHost.AdminToken }, ct);
        Assert.Equal(1, asAdmin.GetProperty("networks")[0].GetProperty("members").GetInt32());
    }

    [Fact]
    public async Task UnknownType_AndStandbyNeutralRequests_AnswerRequestFailed()
    {
        var ct = Timeouts.Bounded();
        using var client = await Host.ConnectAsync(ct);

        Assert.Equal("request failed", await client.ErrorAsync(new { type = "no_such_type" }, ct));
        Assert.Equal("node 0: node not found", await client.ErrorAsync(new { type = "lookup" }, ct));
    }
}

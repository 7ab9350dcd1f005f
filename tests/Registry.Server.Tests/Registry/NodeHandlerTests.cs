using Registry.Persistence.Tests;

namespace Registry.Server.Tests.Registry;

/// <summary>register, heartbeat, deregister, rotate_key and the node settings, over TCP against the Store-backed host.</summary>
public sealed class NodeHandlerTests : StoreHostTestBase
{
    [Fact]
    public async Task Register_NewKey_AssignsIdAndReportsObservedAddress()
    {
        var ct = Timeouts.Bounded();
        using var client = await Host.ConnectAsync(ct);
        using var key = new NodeKey();

        var reply = await client.OkAsync(new { type = "register", public_key = key.PublicKey, hostname = "alpha", listen_addr = "0.0.0.0:4000" }, ct);

        Assert.Equal(1u, reply.GetProperty("node_id").GetUInt32());
        Assert.Equal(0, reply.GetProperty("network_id").GetInt32());
        Assert.Equal("0:0000.0000.0001", reply.GetProperty("address").GetString());
        Assert.Equal(key.PublicKey, reply.GetProperty("public_key").GetString());
        Assert.Equal("alpha", reply.GetProperty("hostname").GetString());
        Assert.Equal("127.0.0.1:4000", reply.GetProperty("observed_addr").GetString());
        Assert.Equal(1, reply.GetProperty("protocol_version").GetInt32());
    }

    [Fact]
    public async Task Register_SameKeyAgain_RefreshesSameIdAndPublicListenAddrIsKept()
    {
        var ct = Timeouts.Bounded();
        using var client = await Host.ConnectAsync(ct);
        using var key = new NodeKey();
        var id = await client.RegisterAsync(key, ct);

        var again = await client.OkAsync(new { type = "register", public_key = key.PublicKey, listen_addr = "198.51.100.1:5000" }, ct);

        Assert.Equal(id, again.GetProperty("node_id").GetUInt32());
        Assert.Equal("198.51.100.1:5000", again.GetProperty("observed_addr").GetString());
    }

    [Fact]
    public async Task Register_Errors_ReachTheWireAndCreateNothing()
    {
        var ct = Timeouts.Bounded();
        using var client = await Host.ConnectAsync(ct);
        using var first = new NodeKey();
        using var second = new NodeKey();
        await client.RegisterAsync(first, ct, hostname: "taken");

        Assert.Equal("registration requires public_key", await client.ErrorAsync(new { type = "register" }, ct));
        Assert.StartsWith("invalid public key: ", await client.ErrorAsync(new { type = "register", public_key = "AAAA" }, ct), StringComparison.Ordinal);
        var taken = await client.OkAsync(new { type = "register", public_key = second.PublicKey, hostname = "taken" }, ct);
        Assert.Equal("hostname \"taken\" already in use by node 1", taken.GetProperty("hostname_error").GetString());
        Assert.False(taken.TryGetProperty("hostname", out _));
        Assert.Equal(2u, taken.GetProperty("node_id").GetUInt32());
    }

    [Fact]
    public async Task Heartbeat_SignedByNode_ReturnsTime_ElseTheDocumentedErrors()
    {
        var ct = Timeouts.Bounded();
        using var client = await Host.ConnectAsync(ct);
        using var key = new NodeKey();
        using var other = new NodeKey();
        var id = await client.RegisterAsync(key, ct);

        var ok = await client.OkAsync(new { type = "heartbeat", node_id = id, signature = key.Sign($"heartbeat:{id}") }, ct);
        Assert.True(ok.GetProperty("time").GetInt64() > 1_700_000_000);

        Assert.Equal("signature required for authenticated node", await client.ErrorAsync(new { type = "heartbeat", node_id = id }, ct));
        Assert.Equal("signature verification failed", await client.ErrorAsync(new { type = "heartbeat", node_id = id, signature = other.Sign($"heartbeat:{id}") }, ct));
        Assert.StartsWith("invalid signature encoding: ", await client.ErrorAsync(new { type = "heartbeat", node_id = id, signature = "!!" }, ct), StringComparison.Ordinal);
        Assert.Equal("node 99: node not found", await client.ErrorAsync(new { type = "heartbeat", node_id = 99, signature = key.Sign("heartbeat:99") }, ct));
    }

    [Fact]
    public async Task Deregister_BySignatureOrAdmin_RemovesNode_UnknownIsOk()
    {
        var ct = Timeouts.Bounded();
        using var client = await Host.ConnectAsync(ct);
        using var a = new NodeKey();
        using var b = new NodeKey();
        var idA = await client.RegisterAsync(a, ct);
        var idB = await client.RegisterAsync(b, ct);

        Assert.Equal("signature verification failed", await client.ErrorAsync(new { type = "deregister", node_id = idA, signature = b.Sign($"deregister:{idA}") }, ct));
        Assert.Equal("signature verification failed", await client.ErrorAsync(new { type = "deregister", node_id = idA, admin_token = "wrong", signature = b.Sign($"deregister:{idA}") }, ct));
        await client.OkAsync(new { type = "lookup", node_id = idA }, ct);

        await client.OkAsync(new { type = "deregister", node_id = idA, signature = a.Sign($"deregister:{idA}") }, ct);
        await client.OkAsync(new { type = "deregister", node_id = idB, admin_token = RegistryTestHost.AdminToken }, ct);
        await client.OkAsync(new { type = "deregister", node_id = 12345 }, ct);

        Assert.Equal($"node {idA}: node not found", await client.ErrorAsync(new { type = "lookup", node_id = idA }, ct));
        Assert.Equal($"node {idB}: node not found", await client.ErrorAsync(new { type = "lookup", node_id = idB }, ct));
    }

    [Fact]
    public async Task RotateKey_SignedByCurrentKey_SwapsKey_ElseDocumentedErrors()
    {
        var ct = Timeouts.Bounded();
        using var client = await Host.ConnectAsync(ct);
        using var old = new NodeKey();
        using var next = new NodeKey();
        var id = await client.RegisterAsync(old, ct);

        Assert.Equal("rotate_key requires a valid signature", await client.ErrorAsync(new { type = "rotate_key", node_id = id, new_public_key = next.PublicKey }, ct));
        Assert.Equal("rotate_key requires new_public_key", await client.ErrorAsync(new { type = "rotate_key", node_id = id, signature = old.Sign("x") }, ct));
        Assert.StartsWith("invalid new_public_key: ", await client.ErrorAsync(new { type = "rotate_key", node_id = id, new_public_key = "AAAA", signature = old.Sign("x") }, ct), StringComparison.Ordinal);
        Assert.Equal("signature verification failed", await client.ErrorAsync(new { type = "rotate_key", node_id = id, new_public_key = next.PublicKey, signature = next.Sign($"rotate:{id}:{next.PublicKey}"), admin_token = RegistryTestHost.AdminToken }, ct));
        Assert.Equal(old.PublicKey, (await client.OkAsync(new { type = "lookup", node_id = id }, ct)).GetProperty("public_key").GetString());

        var reply = await client.OkAsync(new { type = "rotate_key", node_id = id, new_public_key = next.PublicKey, signature = old.Sign($"rotate:{id}:{next.PublicKey}") }, ct);

        Assert.Equal(next.PublicKey, reply.GetProperty("public_key").GetString());
        Assert.Equal("0:0000.0000.0001", reply.GetProperty("address").GetString());
        await client.OkAsync(new { type = "heartbeat", node_id = id, signature = next.Sign($"heartbeat:{id}") }, ct);
        Assert.Equal("signature verification failed", await client.ErrorAsync(new { type = "heartbeat", node_id = id, signature = old.Sign($"heartbeat:{id}") }, ct));
    }

    [Fact]
    public async Task Settings_SignedChangesApply_RejectedOnesChangeNothing()
    {
        var ct = Timeouts.Bounded();
        using var client = await Host.ConnectAsync(ct);
        using var key = new NodeKey();
        using var other = new NodeKey();
        var id = await client.RegisterAsync(key, ct);
        var otherId = await client.RegisterAsync(other, ct, hostname: "other");

        var visibility = await client.OkAsync(new { type = "set_visibility", node_id = id, @public = true, signature = key.Sign($"set_visibility:{id}") }, ct);
        Assert.Equal("public", visibility.GetProperty("visibility").GetString());
        var hostname = await client.OkAsync(new { type = "set_hostname", node_id = id, hostname = "mine", signature = key.Sign($"set_hostname:{id}") }, ct);
        Assert.Equal("mine", hostname.GetProperty("hostname").GetString());
        var tags = await client.OkAsync(new { type = "set_tags", node_id = id, tags = new[] { "#gpu", "gpu", "edge" }, signature = key.Sign($"set_tags:{id}") }, ct);
        Assert.Equal(["gpu", "edge"], tags.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        var exec = await client.OkAsync(new { type = "set_task_exec", node_id = id, enabled = true, admin_token = RegistryTestHost.AdminToken }, ct);
        Assert.True(exec.GetProperty("task_exec").GetBoolean());

        var before = (await client.OkAsync(new { type = "lookup", node_id = id }, ct)).ToString();
        Assert.Equal("hostname \"other\" already in use by node " + otherId, await client.ErrorAsync(new { type = "set_hostname", node_id = id, hostname = "other", signature = key.Sign($"set_hostname:{id}") }, ct));
        Assert.StartsWith("invalid hostname: ", await client.ErrorAsync(new { type = "set_hostname", node_id = id, hostname = "Bad_Name", signature = key.Sign($"set_hostname:{id}") }, ct), StringComparison.Ordinal);
        Assert.Equal("too many tags (max 10)", await client.ErrorAsync(new { type = "set_tags", node_id = id, tags = Enumerable.Range(0, 11).Select(i => "t" + i).ToArray(), signature = key.Sign($"set_tags:{id}") }, ct));
        // "tag … must be lowercase …" has none of the sanitizer's substrings (§1.2): the wire says "request failed".
        Assert.Equal("request failed", await client.ErrorAsync(new { type = "set_tags", node_id = id, tags = new[] { "UP" }, signature = key.Sign($"set_tags:{id}") }, ct));
        Assert.Equal("signature verification failed", await client.ErrorAsync(new { type = "set_visibility", node_id = id, @public = false, signature = other.Sign($"set_visibility:{id}") }, ct));
        Assert.Equal("signature required for authenticated node", await client.ErrorAsync(new { type = "set_task_exec", node_id = id, enabled = false }, ct));
        Assert.Equal("node 77: node not found", await client.ErrorAsync(new { type = "set_tags", node_id = 77, tags = new[] { "x" }, admin_token = RegistryTestHost.AdminToken }, ct));
        var after = (await client.OkAsync(new { type = "lookup", node_id = id }, ct)).ToString();

        Assert.Equal(before, after);
        Assert.Contains("\"task_exec\":true", after, StringComparison.Ordinal);
        Assert.Contains("\"real_addr\":\"203.0.113.7:4000\"", after, StringComparison.Ordinal);
    }
}

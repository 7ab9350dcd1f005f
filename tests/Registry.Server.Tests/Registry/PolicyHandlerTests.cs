using Registry.Persistence.Tests;

namespace Registry.Server.Tests.Registry;

/// <summary>set/get_network_policy (R(owner, admin), E) and set/get_expr_policy (R(owner, admin)) over TCP.</summary>
public sealed class PolicyHandlerTests : StoreHostTestBase
{
    [Fact]
    public async Task NetworkPolicy_SetAndRead_WithTheDocumentedErrors()
    {
        var ct = Timeouts.Bounded();
        using var client = await Host.ConnectAsync(ct);
        var ids = await NextTierSetup.RegisterAsync(client, 2, ct);
        var (owner, member) = (ids[0], ids[1]);
        var net = await NextTierSetup.CreateNetworkAsync(client, owner, "corp", ct, members: member);
        var plain = await NextTierSetup.CreateNetworkAsync(client, owner, "plain", ct, enterprise: false);
        object Set(object maxMembers, object ports, string description, uint nodeId = 0, ushort network = 0) =>
            new { type = "set_network_policy", network_id = network == 0 ? net : network, max_members = maxMembers, allowed_ports = ports, description, node_id = nodeId == 0 ? owner : nodeId };

        Assert.Equal($"{{\"allowed_ports\":[],\"description\":\"\",\"max_members\":0,\"network_id\":{net},\"type\":\"get_network_policy_ok\"}}", (await client.OkAsync(new { type = "get_network_policy", network_id = net }, ct)).ToString());
        var set = await client.OkAsync(Set(5, new[] { 22, 443 }, "prod"), ct);
        Assert.Equal($"{{\"allowed_ports\":[22,443],\"description\":\"prod\",\"max_members\":5,\"network_id\":{net},\"type\":\"set_network_policy_ok\"}}", set.ToString());
        Assert.Equal($"{{\"allowed_ports\":[22,443],\"description\":\"prod\",\"max_members\":5,\"network_id\":{net},\"type\":\"get_network_policy_ok\"}}", (await client.OkAsync(new { type = "get_network_policy", network_id = net }, ct)).ToString());

        Assert.Equal("enterprise feature: requires enterprise network", await client.ErrorAsync(Set(5, Array.Empty<int>(), "", network: plain), ct));
        Assert.Equal("invalid max_members: must be between 0 and 10000", await client.ErrorAsync(Set(10_001, Array.Empty<int>(), ""), ct));
        Assert.Equal("invalid max_members: below the current member count (2)", await client.ErrorAsync(Set(1, Array.Empty<int>(), ""), ct));
        Assert.Equal("too many allowed_ports (max 100)", await client.ErrorAsync(Set(0, Enumerable.Range(1, 101).ToArray(), ""), ct));
        Assert.Equal("invalid port 0 in allowed_ports (must be 1-65535)", await client.ErrorAsync(Set(0, new[] { 0 }, ""), ct));
        Assert.Equal("invalid port 70000 in allowed_ports (must be 1-65535)", await client.ErrorAsync(Set(0, new[] { 70000 }, ""), ct));
        Assert.Equal("description too long (max 256 chars)", await client.ErrorAsync(Set(0, Array.Empty<int>(), new string('d', 257)), ct));
        Assert.Equal($"rbac: node {member} has role \"member\", requires one of [owner admin]", await client.ErrorAsync(Set(0, Array.Empty<int>(), "", nodeId: member), ct));
        Assert.Equal("network 42: network not found", await client.ErrorAsync(new { type = "get_network_policy", network_id = 42 }, ct));

        // The refused changes left the policy as it was; a negative max_members reads as 0 (no limit) under §1.2's lenient rule.
        Assert.Equal(5, (await client.OkAsync(new { type = "get_network_policy", network_id = net }, ct)).GetProperty("max_members").GetInt32());
        Assert.Equal(0, (await client.OkAsync(Set(-3, Array.Empty<int>(), ""), ct)).GetProperty("max_members").GetInt32());
    }

    [Fact]
    public async Task ExprPolicy_SetAsObjectOrString_ClearAndRead_WithTheDocumentedErrors()
    {
        var ct = Timeouts.Bounded();
        using var client = await Host.ConnectAsync(ct);
        var ids = await NextTierSetup.RegisterAsync(client, 2, ct);
        var (owner, member) = (ids[0], ids[1]);
        var net = await NextTierSetup.CreateNetworkAsync(client, owner, "lab", ct, enterprise: false, members: member);
        object Set(object policy, uint nodeId) => new { type = "set_expr_policy", network_id = net, expr_policy = policy, node_id = nodeId };
        var get = new { type = "get_expr_policy", network_id = net };

        Assert.Equal($"{{\"network_id\":{net},\"type\":\"get_expr_policy_ok\"}}", (await client.OkAsync(get, ct)).ToString());
        var set = await client.OkAsync(Set(new { version = 1, rules = new[] { new { allow = true } } }, owner), ct);
        Assert.Equal($"{{\"network_id\":{net},\"type\":\"set_expr_policy_ok\"}}", set.ToString());
        Assert.Equal($"{{\"expr_policy\":{{\"version\":1,\"rules\":[{{\"allow\":true}}]}},\"network_id\":{net},\"type\":\"get_expr_policy_ok\"}}", (await client.OkAsync(get, ct)).ToString());
        await client.OkAsync(Set("{\"version\":1,\"rules\":[2]}", owner), ct);
        Assert.Equal("{\"version\":1,\"rules\":[2]}", (await client.OkAsync(get, ct)).GetProperty("expr_policy").GetRawText());
        Assert.True((await client.OkAsync(new { type = "list_networks" }, ct)).GetProperty("networks")[1].GetProperty("has_expr_policy").GetBoolean());

        Assert.Equal("invalid expr_policy: rules required", await client.ErrorAsync(Set(new { version = 1 }, owner), ct));
        Assert.Equal("invalid expr_policy: version must be 1", await client.ErrorAsync(Set(new { version = 2, rules = new[] { 1 } }, owner), ct));
        Assert.Equal("invalid expr_policy: must be a JSON object", await client.ErrorAsync(Set("[1]", owner), ct));
        Assert.StartsWith("invalid expr_policy: ", await client.ErrorAsync(Set("{", owner), ct), StringComparison.Ordinal);
        Assert.Equal($"rbac: node {member} has role \"member\", requires one of [owner admin]", await client.ErrorAsync(Set("null", member), ct));
        Assert.Equal("network 42: network not found", await client.ErrorAsync(new { type = "get_expr_policy", network_id = 42 }, ct));

        // "null" (and "") clears; the reply says so.
        Assert.Equal($"{{\"cleared\":true,\"network_id\":{net},\"type\":\"set_expr_policy_ok\"}}", (await client.OkAsync(Set("null", owner), ct)).ToString());
        Assert.Equal($"{{\"network_id\":{net},\"type\":\"get_expr_policy_ok\"}}", (await client.OkAsync(get, ct)).ToString());
        await client.OkAsync(Set(new { version = 1, rules = new[] { 3 } }, owner), ct);
        Assert.True((await client.OkAsync(Set("", owner), ct)).GetProperty("cleared").GetBoolean());
    }
}

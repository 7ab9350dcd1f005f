using Registry.Persistence.Tests;

namespace Registry.Server.Tests.Registry;

/// <summary>rename_network, set_network_enterprise, RBAC (kick/promote/demote/transfer/get_member_role) and member tags over TCP.</summary>
public sealed class EnterpriseHandlerTests : StoreHostTestBase
{
    private const string Admin = RegistryTestHost.AdminToken;

    [Fact]
    public async Task RenameNetwork_OwnerOrAdmin_WithTheDocumentedErrors()
    {
        var ct = Timeouts.Bounded();
        using var client = await Host.ConnectAsync(ct);
        var ids = await NextTierSetup.RegisterAsync(client, 3, ct);
        var (owner, member, outsider) = (ids[0], ids[1], ids[2]);
        var net = await NextTierSetup.CreateNetworkAsync(client, owner, "lab", ct, enterprise: false, members: member);
        await NextTierSetup.CreateNetworkAsync(client, owner, "ops", ct, enterprise: false);

        var renamed = await client.OkAsync(new { type = "rename_network", network_id = net, node_id = owner, name = "research" }, ct);
        Assert.Equal($"{{\"name\":\"research\",\"network_id\":{net},\"type\":\"rename_network_ok\"}}", renamed.ToString());
        Assert.Contains((await client.OkAsync(new { type = "list_networks" }, ct)).GetProperty("networks").EnumerateArray(), n => n.GetProperty("name").GetString() == "research");

        Assert.Equal($"rbac: node {member} has role \"member\", requires one of [owner admin]", await client.ErrorAsync(new { type = "rename_network", network_id = net, node_id = member, name = "x" }, ct));
        Assert.Equal("request failed", await client.ErrorAsync(new { type = "rename_network", network_id = net, node_id = outsider, name = "x" }, ct));
        Assert.Equal("rbac: node_id required for role-based authorization", await client.ErrorAsync(new { type = "rename_network", network_id = net, name = "x" }, ct));
        Assert.Equal("network 42: network not found", await client.ErrorAsync(new { type = "rename_network", network_id = 42, node_id = owner, name = "x" }, ct));
        Assert.Equal("cannot rename the backbone network", await client.ErrorAsync(new { type = "rename_network", network_id = 0, name = "x", admin_token = Admin }, ct));
        Assert.Equal("network \"ops\" already exists", await client.ErrorAsync(new { type = "rename_network", network_id = net, node_id = owner, name = "ops" }, ct));
        Assert.Equal("network name required", await client.ErrorAsync(new { type = "rename_network", network_id = net, node_id = owner, name = "" }, ct));

        // "network name must be lowercase …" and "… is reserved" name none of the sanitizer's words.
        Assert.Equal("request failed", await client.ErrorAsync(new { type = "rename_network", network_id = net, node_id = owner, name = "Lab_1" }, ct));
        Assert.Equal("request failed", await client.ErrorAsync(new { type = "rename_network", network_id = net, node_id = owner, name = "backbone" }, ct));
    }

    [Fact]
    public async Task SetNetworkEnterprise_AdminOnly_OffDropsRoles_OnAssignsThem()
    {
        var ct = Timeouts.Bounded();
        using var client = await Host.ConnectAsync(ct);
        var ids = await NextTierSetup.RegisterAsync(client, 2, ct);
        var (owner, member) = (ids[0], ids[1]);
        var net = await NextTierSetup.CreateNetworkAsync(client, owner, "lab", ct, enterprise: false, members: member);

        Assert.Equal("set_network_enterprise requires admin token", await client.ErrorAsync(new { type = "set_network_enterprise", network_id = net, enterprise = true, node_id = owner }, ct));
        Assert.Equal("set_network_enterprise requires admin token", await client.ErrorAsync(new { type = "set_network_enterprise", network_id = net, enterprise = true, admin_token = "wrong" }, ct));
        Assert.Equal("network 42: network not found", await client.ErrorAsync(new { type = "set_network_enterprise", network_id = 42, enterprise = true, admin_token = Admin }, ct));
        Assert.Equal("cannot change the backbone network", await client.ErrorAsync(new { type = "set_network_enterprise", network_id = 0, enterprise = true, admin_token = Admin }, ct));

        var on = await client.OkAsync(new { type = "set_network_enterprise", network_id = net, enterprise = true, admin_token = Admin }, ct);
        Assert.Equal($"{{\"enterprise\":true,\"network_id\":{net},\"type\":\"set_network_enterprise_ok\"}}", on.ToString());
        var off = await client.OkAsync(new { type = "set_network_enterprise", network_id = net, enterprise = false, admin_token = Admin }, ct);
        Assert.Equal($"{{\"enterprise\":false,\"network_id\":{net},\"type\":\"set_network_enterprise_ok\"}}", off.ToString());
        Assert.Equal("", await RoleAsync(client, net, owner, ct));
        Assert.Equal("", await RoleAsync(client, net, member, ct));

        await client.OkAsync(new { type = "set_network_enterprise", network_id = net, enterprise = true, admin_token = Admin }, ct);
        Assert.Equal("owner", await RoleAsync(client, net, owner, ct));
        Assert.Equal("member", await RoleAsync(client, net, member, ct));
    }

    [Fact]
    public async Task Roles_KickPromoteDemoteTransfer_WithTheDocumentedErrors()
    {
        var ct = Timeouts.Bounded();
        using var client = await Host.ConnectAsync(ct);
        var ids = await NextTierSetup.RegisterAsync(client, 4, ct);
        var (owner, second, third, outsider) = (ids[0], ids[1], ids[2], ids[3]);
        var net = await NextTierSetup.CreateNetworkAsync(client, owner, "corp", ct, members: [second, third]);
        var plain = await NextTierSetup.CreateNetworkAsync(client, owner, "plain", ct, enterprise: false, members: second);

        var promoted = await client.OkAsync(new { type = "promote_member", network_id = net, target_node_id = second, node_id = owner }, ct);
        Assert.Equal($"{{\"network_id\":{net},\"role\":\"admin\",\"target_node_id\":{second},\"type\":\"promote_member_ok\"}}", promoted.ToString());
        Assert.Equal($"rbac: node {second} has role \"admin\", requires one of [owner]", await client.ErrorAsync(new { type = "promote_member", network_id = net, target_node_id = third, node_id = second }, ct));
        Assert.Equal("cannot change the owner's role (use transfer_ownership)", await client.ErrorAsync(new { type = "demote_member", network_id = net, target_node_id = owner, node_id = owner }, ct));
        Assert.Equal($"node {outsider} is not a member of network {net}", await client.ErrorAsync(new { type = "promote_member", network_id = net, target_node_id = outsider, node_id = owner }, ct));
        Assert.Equal("enterprise feature: requires enterprise network", await client.ErrorAsync(new { type = "promote_member", network_id = plain, target_node_id = second, node_id = owner }, ct));
        var demoted = await client.OkAsync(new { type = "demote_member", network_id = net, target_node_id = second, node_id = owner }, ct);
        Assert.Equal($"{{\"network_id\":{net},\"role\":\"member\",\"target_node_id\":{second},\"type\":\"demote_member_ok\"}}", demoted.ToString());

        // Kick: owner or admin; never the owner; enterprise only.
        await client.OkAsync(new { type = "promote_member", network_id = net, target_node_id = second, node_id = owner }, ct);
        var kicked = await client.OkAsync(new { type = "kick_member", network_id = net, target_node_id = third, node_id = second }, ct);
        Assert.Equal($"{{\"network_id\":{net},\"target_node_id\":{third},\"type\":\"kick_member_ok\"}}", kicked.ToString());
        Assert.Equal($"node {third} is not a member of network {net}", await client.ErrorAsync(new { type = "get_member_role", network_id = net, target_node_id = third }, ct));
        Assert.Equal($"node {third} is not a member of network {net}", await client.ErrorAsync(new { type = "kick_member", network_id = net, target_node_id = third, node_id = owner }, ct));
        Assert.Equal("cannot kick the network owner", await client.ErrorAsync(new { type = "kick_member", network_id = net, target_node_id = owner, node_id = second }, ct));
        Assert.Equal("enterprise feature: requires enterprise network", await client.ErrorAsync(new { type = "kick_member", network_id = plain, target_node_id = second, node_id = owner }, ct));
        Assert.Equal("request failed", await client.ErrorAsync(new { type = "kick_member", network_id = net, target_node_id = second, node_id = outsider }, ct));

        // Transfer: the owner only; the new owner must be a member; the old owner becomes admin.
        Assert.Equal("transfer_ownership requires new_owner_id", await client.ErrorAsync(new { type = "transfer_ownership", network_id = net, node_id = owner }, ct));
        Assert.Equal($"node {outsider} is not a member of network {net}", await client.ErrorAsync(new { type = "transfer_ownership", network_id = net, new_owner_id = outsider, node_id = owner }, ct));
        Assert.Equal($"rbac: node {second} has role \"admin\", requires one of [owner]", await client.ErrorAsync(new { type = "transfer_ownership", network_id = net, new_owner_id = second, node_id = second }, ct));
        var transferred = await client.OkAsync(new { type = "transfer_ownership", network_id = net, new_owner_id = second, node_id = owner }, ct);
        Assert.Equal($"{{\"network_id\":{net},\"new_owner\":{second},\"old_owner\":{owner},\"type\":\"transfer_ownership_ok\"}}", transferred.ToString());
        Assert.Equal("admin", await RoleAsync(client, net, owner, ct));
        Assert.Equal("owner", await RoleAsync(client, net, second, ct));

        var role = await client.OkAsync(new { type = "get_member_role", network_id = net, target_node_id = second }, ct);
        Assert.Equal($"{{\"network_id\":{net},\"role\":\"owner\",\"target_node_id\":{second},\"type\":\"get_member_role_ok\"}}", role.ToString());
        Assert.Equal("network 42: network not found", await client.ErrorAsync(new { type = "get_member_role", network_id = 42, target_node_id = second }, ct));
    }

    [Fact]
    public async Task MemberTags_SetByOwnerOrAdmin_ReadForOneOrAll_WithTheDocumentedErrors()
    {
        var ct = Timeouts.Bounded();
        using var client = await Host.ConnectAsync(ct);
        var ids = await NextTierSetup.RegisterAsync(client, 3, ct);
        var (owner, member, outsider) = (ids[0], ids[1], ids[2]);
        var net = await NextTierSetup.CreateNetworkAsync(client, owner, "lab", ct, enterprise: false, members: member);

        var set = await client.OkAsync(new { type = "set_member_tags", network_id = net, target_node_id = member, tags = new[] { "gpu", "#eu", "gpu" }, node_id = owner }, ct);
        Assert.Equal($"{{\"network_id\":{net},\"tags\":[\"gpu\",\"eu\"],\"target_node_id\":{member},\"type\":\"set_member_tags_ok\"}}", set.ToString());
        Assert.Equal($"{{\"network_id\":{net},\"tags\":[\"gpu\",\"eu\"],\"target_node_id\":{member},\"type\":\"get_member_tags_ok\"}}", (await client.OkAsync(new { type = "get_member_tags", network_id = net, target_node_id = member }, ct)).ToString());
        Assert.Equal($"{{\"network_id\":{net},\"tags\":[],\"target_node_id\":{owner},\"type\":\"get_member_tags_ok\"}}", (await client.OkAsync(new { type = "get_member_tags", network_id = net, target_node_id = owner }, ct)).ToString());
        Assert.Equal($"{{\"members\":{{\"{member}\":[\"gpu\",\"eu\"]}},\"network_id\":{net},\"type\":\"get_member_tags_ok\"}}", (await client.OkAsync(new { type = "get_member_tags", network_id = net }, ct)).ToString());
        Assert.Equal($"[\"gpu\",\"eu\"]", Assert.Single((await client.OkAsync(new { type = "list_nodes", network_id = net }, ct)).GetProperty("nodes").EnumerateArray(), n => n.GetProperty("node_id").GetUInt32() == member).GetProperty("member_tags").ToString());

        Assert.Equal("too many tags (max 10)", await client.ErrorAsync(new { type = "set_member_tags", network_id = net, target_node_id = member, tags = Enumerable.Range(0, 11).Select(i => $"t{i}").ToArray(), node_id = owner }, ct));
        Assert.Equal("request failed", await client.ErrorAsync(new { type = "set_member_tags", network_id = net, target_node_id = member, tags = new[] { "Bad!" }, node_id = owner }, ct));
        Assert.Equal($"node {outsider} is not a member of network {net}", await client.ErrorAsync(new { type = "set_member_tags", network_id = net, target_node_id = outsider, tags = new[] { "x" }, node_id = owner }, ct));
        Assert.Equal($"rbac: node {member} has role \"member\", requires one of [owner admin]", await client.ErrorAsync(new { type = "set_member_tags", network_id = net, target_node_id = member, tags = new[] { "x" }, node_id = member }, ct));
        Assert.Equal("network 42: network not found", await client.ErrorAsync(new { type = "get_member_tags", network_id = 42 }, ct));

        // An empty list deletes them.
        await client.OkAsync(new { type = "set_member_tags", network_id = net, target_node_id = member, tags = Array.Empty<string>(), admin_token = Admin }, ct);
        Assert.Equal($"{{\"members\":{{}},\"network_id\":{net},\"type\":\"get_member_tags_ok\"}}", (await client.OkAsync(new { type = "get_member_tags", network_id = net }, ct)).ToString());
    }

    private static async Task<string?> RoleAsync(RegistryClient client, ushort network, uint node, CancellationToken ct) =>
        (await client.OkAsync(new { type = "get_member_role", network_id = network, target_node_id = node }, ct)).GetProperty("role").GetString();
}

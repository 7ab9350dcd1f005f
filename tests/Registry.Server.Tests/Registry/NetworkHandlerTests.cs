using Registry.Persistence.Tests;

namespace Registry.Server.Tests.Registry;

/// <summary>create_network (global admin), join/leave (S|A, token rule), delete_network (owner role or tokens) over TCP.</summary>
public sealed class NetworkHandlerTests : StoreHostTestBase
{
    [Fact]
    public async Task CreateJoinLeaveDelete_WithTheDocumentedErrors()
    {
        var ct = Timeouts.Bounded();
        using var client = await Host.ConnectAsync(ct);
        using var owner = new NodeKey();
        using var member = new NodeKey();
        var ownerId = await client.RegisterAsync(owner, ct);
        var memberId = await client.RegisterAsync(member, ct);

        Assert.Equal("invalid admin token", await client.ErrorAsync(new { type = "create_network", node_id = ownerId, name = "lab", admin_token = "nope" }, ct));
        Assert.Equal("request failed", await client.ErrorAsync(new { type = "create_network", node_id = 99, name = "lab", admin_token = RegistryTestHost.AdminToken }, ct));
        Assert.Equal("network name required", await client.ErrorAsync(new { type = "create_network", node_id = ownerId, admin_token = RegistryTestHost.AdminToken }, ct));
        var created = await client.OkAsync(new { type = "create_network", node_id = ownerId, name = "lab", join_rule = "token", token = "s3cret", network_admin_token = "net-admin", admin_token = RegistryTestHost.AdminToken }, ct);
        var netId = created.GetProperty("network_id").GetUInt16();
        Assert.Equal(1, netId);
        Assert.Equal("lab", created.GetProperty("name").GetString());
        Assert.Equal("network \"lab\" already exists", await client.ErrorAsync(new { type = "create_network", node_id = ownerId, name = "lab", admin_token = RegistryTestHost.AdminToken }, ct));

        Assert.Equal($"invalid token for network {netId}", await client.ErrorAsync(new { type = "join_network", node_id = memberId, network_id = netId, token = "wrong", signature = member.Sign($"join_network:{memberId}:{netId}") }, ct));
        Assert.Equal("signature verification failed", await client.ErrorAsync(new { type = "join_network", node_id = memberId, network_id = netId, token = "s3cret", signature = owner.Sign($"join_network:{memberId}:{netId}") }, ct));
        Assert.Equal("cannot join the backbone network", await client.ErrorAsync(new { type = "join_network", node_id = memberId, network_id = 0, signature = member.Sign($"join_network:{memberId}:0") }, ct));
        var joined = await client.OkAsync(new { type = "join_network", node_id = memberId, network_id = netId, token = "s3cret", signature = member.Sign($"join_network:{memberId}:{netId}") }, ct);
        Assert.Equal("1:0001.0000.0002", joined.GetProperty("address").GetString());
        Assert.Equal($"node {memberId} already in network {netId}", await client.ErrorAsync(new { type = "join_network", node_id = memberId, network_id = netId, token = "s3cret", signature = member.Sign($"join_network:{memberId}:{netId}") }, ct));

        var listed = await client.OkAsync(new { type = "list_nodes", network_id = netId }, ct);
        Assert.Equal(["owner", "member"], listed.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("role").GetString()));
        Assert.True((await client.OkAsync(new { type = "check_trust", node_id = ownerId, peer_id = memberId }, ct)).GetProperty("trusted").GetBoolean());

        Assert.Equal("cannot leave the backbone network", await client.ErrorAsync(new { type = "leave_network", node_id = memberId, network_id = 0, signature = member.Sign($"leave_network:{memberId}:0") }, ct));
        await client.OkAsync(new { type = "leave_network", node_id = memberId, network_id = netId, signature = member.Sign($"leave_network:{memberId}:{netId}") }, ct);
        Assert.Equal($"node {memberId} is not a member of network {netId}", await client.ErrorAsync(new { type = "leave_network", node_id = memberId, network_id = netId, signature = member.Sign($"leave_network:{memberId}:{netId}") }, ct));

        // R(owner): a member (or no role) is refused; the reply texts are not in the sanitizer's list except "require".
        Assert.Equal("request failed", await client.ErrorAsync(new { type = "delete_network", network_id = netId, node_id = memberId }, ct));
        Assert.Equal("rbac: node_id required for role-based authorization", await client.ErrorAsync(new { type = "delete_network", network_id = netId }, ct));
        Assert.Equal("network 42: network not found", await client.ErrorAsync(new { type = "delete_network", network_id = 42, node_id = ownerId }, ct));
        Assert.Equal("cannot delete the backbone network", await client.ErrorAsync(new { type = "delete_network", network_id = 0, admin_token = RegistryTestHost.AdminToken }, ct));
        Assert.Single((await client.OkAsync(new { type = "list_networks" }, ct)).GetProperty("networks").EnumerateArray(), n => n.GetProperty("id").GetInt32() == netId);

        var deleted = await client.OkAsync(new { type = "delete_network", network_id = netId, node_id = ownerId }, ct);
        Assert.Equal(netId, deleted.GetProperty("network_id").GetUInt16());
        Assert.DoesNotContain((await client.OkAsync(new { type = "list_networks" }, ct)).GetProperty("networks").EnumerateArray(), n => n.GetProperty("id").GetInt32() == netId);
    }

    [Fact]
    public async Task DeleteNetwork_ByNetworkAdminToken_AndCreateWithoutAdminConfigured_IsDisabled()
    {
        var ct = Timeouts.Bounded();
        using var client = await Host.ConnectAsync(ct);
        using var owner = new NodeKey();
        var ownerId = await client.RegisterAsync(owner, ct);
        var netId = (await client.OkAsync(new { type = "create_network", node_id = ownerId, name = "ops", network_admin_token = "ops-admin", admin_token = RegistryTestHost.AdminToken }, ct)).GetProperty("network_id").GetUInt16();

        await client.OkAsync(new { type = "delete_network", network_id = netId, admin_token = "ops-admin" }, ct);

        using var dir = new TempDirectory();
        await using var noAdmin = await RegistryTestHost.StartAsync(dir.Path, ct, adminToken: null);
        using var other = await noAdmin.ConnectAsync(ct);
        var id = await other.RegisterAsync(owner, ct);
        Assert.Equal("request failed", await other.ErrorAsync(new { type = "create_network", node_id = id, name = "x", admin_token = "anything" }, ct));
    }
}

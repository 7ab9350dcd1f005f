using System.Text;
using Registry.Persistence.Deltas;
using Registry.Persistence.Deltas.Payloads;

namespace Registry.Core.Tests;

public sealed class NodeRegistryNetworkTests
{
    private readonly TestKit _kit = new();

    private NodeRegistry Registry => _kit.Registry;

    [Fact]
    public void CreateNetwork_Valid_CreatorIsOwnerAndDeltaCarriesDocuments()
    {
        var creator = _kit.Register(1);

        var result = Registry.CreateNetwork(new CreateNetworkRequest
        {
            NodeId = creator,
            Name = "research-lab",
            JoinRule = "token",
            Token = "tok",
            NetworkAdminToken = "adm",
            Enterprise = true,
            Rules = Encoding.UTF8.GetBytes("{\"links\": 3, \"cycle\": \"24h\"}"),
            ExprPolicy = Encoding.UTF8.GetBytes("{\"version\":1,\"rules\":[{\"allow\":true}]}"),
        });

        Assert.Equal((ushort)1, result.NetworkId);
        Assert.True(result.Managed);
        Assert.Equal(DeltaType.NetworkCreate, _kit.LastEntry.Type);
        Assert.Equal(0u, _kit.LastEntry.NodeId);
        var payload = DeltaPayload.Decode<NetworkCreateDelta>(_kit.LastEntry.Data.Span);
        Assert.Equal(creator, payload.CreatorNodeId);
        Assert.NotNull(payload.ExprPolicy);
        var net = Registry.GetNetwork(1)!;
        Assert.Equal([creator], net.Members);
        Assert.Equal(MemberRoles.Owner, Registry.RoleOf(creator, 1));
        Assert.Equal("{\"links\":3,\"cycle\":\"24h\",\"prune\":0,\"prune_by\":\"\",\"fill\":0,\"fill_how\":\"\"}", Encoding.UTF8.GetString(net.Rules!.Value.Span));
        Assert.Contains((ushort)1, Registry.Lookup(creator)!.Networks);
        Assert.True(Registry.NetworkAdminTokenMatches(1, "adm"));
        Assert.False(Registry.NetworkAdminTokenMatches(1, "adx"));
        _kit.AssertReplayEqual(twice: true);
    }

    [Fact]
    public void CreateNetwork_EmptyJoinRule_DefaultsToOpen()
    {
        var creator = _kit.Register(1);

        Registry.CreateNetwork(new CreateNetworkRequest { NodeId = creator, Name = "lab" });

        Assert.Equal(JoinRules.Open, Registry.GetNetwork(1)!.JoinRule);

        // Regression guard: a null byte[] converted to ReadOnlyMemory<byte>? became an empty, present value.
        Assert.Null(Registry.GetNetwork(1)!.Rules);
        Assert.Null(Registry.GetNetwork(1)!.ExprPolicy);
    }

    [Theory]
    [InlineData("", RegistryErrorCode.InvalidNetworkName, "network name required")]
    [InlineData("Lab", RegistryErrorCode.InvalidNetworkName, "network name must be lowercase alphanumeric with hyphens, start/end with alphanumeric")]
    [InlineData("backbone", RegistryErrorCode.InvalidNetworkName, "network name \"backbone\" is reserved")]
    [InlineData("taken", RegistryErrorCode.NetworkNameInUse, "network \"taken\" already exists")]
    public void CreateNetwork_BadName_Refused(string name, RegistryErrorCode code, string message)
    {
        var creator = _kit.Register(1);
        _kit.CreateNetwork(creator, "taken");

        _kit.AssertRefused(() => _kit.CreateNetwork(creator, name), code, message);
    }

    [Fact]
    public void CreateNetwork_NameTooLong_Refused()
    {
        var creator = _kit.Register(1);

        _kit.AssertRefused(() => _kit.CreateNetwork(creator, new string('n', 64)), RegistryErrorCode.InvalidNetworkName, "network name too long (max 63 chars)");
    }

    [Fact]
    public void CreateNetwork_OtherErrors_Refused()
    {
        var creator = _kit.Register(1);

        _kit.AssertRefused(() => _kit.CreateNetwork(9, "lab"), RegistryErrorCode.NodeNotRegistered, "node 9 not registered");
        _kit.AssertRefused(() => _kit.CreateNetwork(creator, "lab", "closed"), RegistryErrorCode.InvalidJoinRule, "invalid join_rule \"closed\" (want open, token or invite)");
        _kit.AssertRefused(() => _kit.CreateNetwork(creator, "lab", "token"), RegistryErrorCode.InvalidJoinRule, "join_rule \"token\" requires a token");
        _kit.AssertRefused(() => _kit.CreateNetwork(creator, "lab", "invite"), RegistryErrorCode.EnterpriseRequired, "enterprise feature: requires enterprise network");
        _kit.AssertRefused(
            () => Registry.CreateNetwork(new CreateNetworkRequest { NodeId = creator, Name = "lab", ExprPolicy = Encoding.UTF8.GetBytes("{\"version\":2}") }),
            RegistryErrorCode.InvalidExprPolicy,
            "invalid expr_policy: version must be 1");
        _kit.AssertRefused(
            () => Registry.CreateNetwork(new CreateNetworkRequest { NodeId = creator, Name = "lab", Rules = Encoding.UTF8.GetBytes("{nope") }),
            RegistryErrorCode.InvalidRules,
            "invalid rules: not valid JSON");
        _kit.AssertRefused(
            () => Registry.CreateNetwork(new CreateNetworkRequest { NodeId = creator, Name = "lab", Rules = Encoding.UTF8.GetBytes("{\"links\":\"x\"}") }),
            RegistryErrorCode.InvalidRules,
            "invalid rules: a member has the wrong type");
    }

    [Fact]
    public void CreateNetwork_InviteEnterprise_Accepted()
    {
        var creator = _kit.Register(1);

        Assert.Equal((ushort)1, _kit.CreateNetwork(creator, "lab", "invite", enterprise: true));
    }

    [Fact]
    public void CreateNetwork_IdsNeverReusedAfterDelete()
    {
        var creator = _kit.Register(1);
        var first = _kit.CreateNetwork(creator, "one");
        Registry.DeleteNetwork(first);

        Assert.Equal((ushort)2, _kit.CreateNetwork(creator, "one"));
    }

    [Fact]
    public void JoinNetwork_Open_AddsMemberRoleAndAddress()
    {
        var owner = _kit.Register(1);
        var joiner = _kit.Register(0x10003);
        var net = _kit.CreateNetwork(owner, "lab");

        var result = Registry.JoinNetwork(joiner, net, null);

        Assert.Equal("1:0001.0000.0002", result.Address);
        Assert.Equal([owner, joiner], Registry.GetNetwork(net)!.Members);
        Assert.Equal(MemberRoles.Member, Registry.RoleOf(joiner, net));
        Assert.Equal([(ushort)0, net], Registry.Lookup(joiner)!.Networks);
        Assert.True(Registry.CheckTrust(owner, joiner));
        _kit.AssertReplayEqual(twice: true);
    }

    [Fact]
    public void JoinNetwork_Token_ChecksToken()
    {
        var owner = _kit.Register(1);
        var joiner = _kit.Register(2);
        var net = _kit.CreateNetwork(owner, "lab", "token", "secret");

        _kit.AssertRefused(() => Registry.JoinNetwork(joiner, net, "wrong"), RegistryErrorCode.InvalidToken, "invalid token for network 1");
        _kit.AssertRefused(() => Registry.JoinNetwork(joiner, net, null), RegistryErrorCode.InvalidToken, "invalid token for network 1");
        Registry.JoinNetwork(joiner, net, "secret");
        _kit.AssertReplayEqual();
    }

    [Fact]
    public void JoinNetwork_Errors_Refused()
    {
        var owner = _kit.Register(1);
        var joiner = _kit.Register(2);
        var net = _kit.CreateNetwork(owner, "lab");
        var invite = _kit.CreateNetwork(owner, "vip", "invite", enterprise: true);

        _kit.AssertRefused(() => Registry.JoinNetwork(joiner, 0, null), RegistryErrorCode.BackboneProtected, "cannot join the backbone network");
        _kit.AssertRefused(() => Registry.JoinNetwork(9, net, null), RegistryErrorCode.NodeNotFound, "node 9: node not found");
        _kit.AssertRefused(() => Registry.JoinNetwork(joiner, 77, null), RegistryErrorCode.NetworkNotFound, "network 77: network not found");
        _kit.AssertRefused(() => Registry.JoinNetwork(owner, net, null), RegistryErrorCode.AlreadyMember, "node 1 already in network 1");
        _kit.AssertRefused(() => Registry.JoinNetwork(joiner, invite, null), RegistryErrorCode.InviteOnly, "invite-only networks require invite_to_network + respond_invite flow");
    }

    [Fact]
    public void LeaveNetwork_Member_RemovesMembershipAndRole()
    {
        var owner = _kit.Register(1);
        var joiner = _kit.Register(2);
        var net = _kit.CreateNetwork(owner, "lab");
        Registry.JoinNetwork(joiner, net, null);

        Registry.LeaveNetwork(joiner, net);

        Assert.Equal([owner], Registry.GetNetwork(net)!.Members);
        Assert.Null(Registry.RoleOf(joiner, net));
        Assert.Equal([(ushort)0], Registry.Lookup(joiner)!.Networks);
        Assert.Equal(DeltaType.NetworkLeave, _kit.LastEntry.Type);
        _kit.AssertReplayEqual(twice: true);
    }

    [Fact]
    public void LeaveNetwork_NonEnterpriseOwner_MayLeave()
    {
        var owner = _kit.Register(1);
        var net = _kit.CreateNetwork(owner, "lab");

        Registry.LeaveNetwork(owner, net);

        Assert.Empty(Registry.GetNetwork(net)!.Members);
    }

    [Fact]
    public void LeaveNetwork_Errors_Refused()
    {
        var owner = _kit.Register(1);
        var other = _kit.Register(2);
        var net = _kit.CreateNetwork(owner, "lab", enterprise: true);

        _kit.AssertRefused(() => Registry.LeaveNetwork(owner, 0), RegistryErrorCode.BackboneProtected, "cannot leave the backbone network");
        _kit.AssertRefused(() => Registry.LeaveNetwork(9, net), RegistryErrorCode.NodeNotFound, "node 9: node not found");
        _kit.AssertRefused(() => Registry.LeaveNetwork(owner, 5), RegistryErrorCode.NetworkNotFound, "network 5: network not found");
        _kit.AssertRefused(() => Registry.LeaveNetwork(other, net), RegistryErrorCode.NotMember, "node 2 is not a member of network 1");
        _kit.AssertRefused(() => Registry.LeaveNetwork(owner, net), RegistryErrorCode.OwnerMustTransfer, "cannot leave network: owner must transfer ownership first");
    }

    [Fact]
    public void DeleteNetwork_Existing_RemovesFromMembers()
    {
        var owner = _kit.Register(1);
        var joiner = _kit.Register(2);
        var net = _kit.CreateNetwork(owner, "lab");
        Registry.JoinNetwork(joiner, net, null);

        Registry.DeleteNetwork(net);

        Assert.Null(Registry.GetNetwork(net));
        Assert.Equal([(ushort)0], Registry.Lookup(joiner)!.Networks);
        Assert.Equal([(ushort)0], Registry.Lookup(owner)!.Networks);
        Assert.False(Registry.CheckTrust(owner, joiner));
        _kit.AssertReplayEqual(twice: true);
    }

    [Fact]
    public void DeleteNetwork_Errors_Refused()
    {
        _kit.AssertRefused(() => Registry.DeleteNetwork(0), RegistryErrorCode.BackboneProtected, "cannot delete the backbone network");
        _kit.AssertRefused(() => Registry.DeleteNetwork(3), RegistryErrorCode.NetworkNotFound, "network 3: network not found");
    }
}

namespace Registry.Core.Tests;

public sealed class NodeRegistryQueryTests
{
    private readonly TestKit _kit = new();

    private NodeRegistry Registry => _kit.Registry;

    [Fact]
    public void StateVersion_MovesWithEveryChange_AndOnlyThen()
    {
        var a = _kit.Register(1);
        var seen = new HashSet<long> { Registry.StateVersion };

        Registry.Lookup(a);
        Registry.ListNodes(0);
        Assert.Contains(Registry.StateVersion, seen);

        Registry.Heartbeat(a);
        Assert.True(seen.Add(Registry.StateVersion), "a heartbeat changes last_seen");
        Registry.SetTags(a, ["x"]);
        Assert.True(seen.Add(Registry.StateVersion), "a mutation");
        Assert.Throws<RegistryException>(() => Registry.SetTags(99, ["x"]));
        Assert.Contains(Registry.StateVersion, seen);

        var (snapshot, _) = Registry.CaptureSnapshot();
        Assert.Contains(Registry.StateVersion, seen);
        Registry.Restore(snapshot);
        Assert.True(seen.Add(Registry.StateVersion), "a restore replaces the state, whatever its sequence");
        Registry.Apply(_kit.Log.Entries[^1]);
        Assert.True(seen.Add(Registry.StateVersion), "a replayed delta");
    }

    [Fact]
    public void Resolve_PrivateTarget_DeniedUntilTrustOrSharedNetwork()
    {
        var a = _kit.Register(1);
        var b = _kit.Register(2);
        var c = _kit.Register(3);

        var ex = Assert.Throws<RegistryException>(() => Registry.Resolve(b, a));
        Assert.Equal("resolve denied: node 2 is private (establish mutual trust first)", ex.Message);
        Registry.ReportTrust(a, b);
        Assert.Equal(b, Registry.Resolve(b, a).Id);
        var net = _kit.CreateNetwork(c, "lab");
        Registry.JoinNetwork(b, net, null);
        Assert.Equal(c, Registry.Resolve(c, b).Id);
        Registry.SetVisibility(c, true);
        Assert.Equal(c, Registry.Resolve(c, a).Id);
    }

    [Fact]
    public void Resolve_UnknownRequesterOrTarget_Refused()
    {
        var a = _kit.Register(1);

        Assert.Equal("resolve denied: requester node 9 is not registered", Assert.Throws<RegistryException>(() => Registry.Resolve(a, 9)).Message);
        Assert.Equal("node 8: node not found", Assert.Throws<RegistryException>(() => Registry.Resolve(8, a)).Message);
    }

    [Fact]
    public void ResolveHostname_VisibilityRules()
    {
        var a = _kit.Register(1, hostname: "alpha");
        var b = _kit.Register(2);

        Assert.Equal(a, Registry.ResolveHostname("alpha", a).Id);
        Assert.Equal("hostname \"alpha\" not found", Assert.Throws<RegistryException>(() => Registry.ResolveHostname("alpha", b)).Message);
        Assert.Equal("hostname required", Assert.Throws<RegistryException>(() => Registry.ResolveHostname("", b)).Message);
        Registry.SetVisibility(a, true);
        Assert.Equal(a, Registry.ResolveHostname("alpha", b).Id);
    }

    [Fact]
    public void ListNodesAndNetworks_ReturnMembersRolesAndBackbone()
    {
        var a = _kit.Register(1);
        var b = _kit.Register(2);
        var net = _kit.CreateNetwork(a, "lab");
        Registry.JoinNetwork(b, net, null);

        var members = Registry.ListNodes(net);
        var networks = Registry.ListNetworks();

        Assert.Equal([(a, MemberRoles.Owner), (b, MemberRoles.Member)], members.Select(m => (m.NodeId, m.Role!)));
        Assert.Equal(["backbone", "lab"], networks.Select(n => n.Name));
        Assert.Equal("network 4: network not found", Assert.Throws<RegistryException>(() => Registry.ListNodes(4)).Message);
        Assert.Equal(new RegistryCounts(2, 2, 0), Registry.GetCounts());
    }

    [Fact]
    public void GetKeyInfo_AgeCountsFromRotation()
    {
        var a = _kit.Register(1);
        _kit.Time.Advance(TimeSpan.FromDays(3));
        Registry.RotateKey(a, TestKit.Key(2));
        _kit.Time.Advance(TimeSpan.FromDays(2));

        var info = Registry.GetKeyInfo(a);

        Assert.Equal(1, info.RotateCount);
        Assert.Equal(2, info.AgeDays(_kit.Time.GetUtcNow()));
        Assert.Equal(TestKit.Key(2), Registry.PublicKeyOf(a));
        Assert.Null(Registry.PublicKeyOf(9));
    }

    [Fact]
    public void NetworkSettingQueries_ReturnRoleTagsPoliciesAndRefuseUnknown()
    {
        var owner = _kit.Register(1);
        var member = _kit.Register(2);
        var outsider = _kit.Register(3);
        var net = _kit.CreateNetwork(owner, "corp", enterprise: true);
        Registry.JoinNetwork(member, net, null);

        var none = Registry.NetworkPolicyOf(net);
        Assert.Equal((0, string.Empty, 0), (none.MaxMembers, none.Description, none.AllowedPorts.Count));
        Assert.Null(Registry.ExprPolicyOf(net));
        Registry.SetMemberTags(net, member, ["gpu", "#eu"]);
        Registry.SetNetworkPolicy(net, 5, [443], "prod");
        Registry.SetExprPolicy(net, System.Text.Encoding.UTF8.GetBytes("{\"version\":1,\"rules\":[1]}"));

        Assert.Equal(MemberRoles.Owner, Registry.MemberRole(net, owner));
        Assert.Equal(MemberRoles.Member, Registry.MemberRole(net, member));
        Assert.Equal("node 3 is not a member of network 1", Assert.Throws<RegistryException>(() => Registry.MemberRole(net, outsider)).Message);
        Assert.Equal(["gpu", "eu"], Registry.MemberTagsOf(net, member));
        Assert.Empty(Registry.MemberTagsOf(net, outsider));
        Assert.Equal([member], Registry.AllMemberTags(net).Select(p => p.Key));
        var policy = Registry.NetworkPolicyOf(net);
        Assert.Equal((5, "prod"), (policy.MaxMembers, policy.Description));
        Assert.Equal([(ushort)443], policy.AllowedPorts);
        Assert.Equal("{\"version\":1,\"rules\":[1]}", System.Text.Encoding.UTF8.GetString(Registry.ExprPolicyOf(net)!.Value.Span));
        Registry.SetNetworkEnterprise(net, false);
        Assert.Equal(string.Empty, Registry.MemberRole(net, member));
        Assert.Equal("network 9: network not found", Assert.Throws<RegistryException>(() => Registry.MemberTagsOf(9, member)).Message);
        Assert.Equal("network 9: network not found", Assert.Throws<RegistryException>(() => Registry.NetworkPolicyOf(9)).Message);
        Assert.Equal("network 9: network not found", Assert.Throws<RegistryException>(() => Registry.ExprPolicyOf(9)).Message);
    }

    [Fact]
    public void PendingInvites_ReturnsUnexpiredWithoutLogging()
    {
        var owner = _kit.Register(1);
        var guest = _kit.Register(2);
        var vip = _kit.CreateNetwork(owner, "vip", "invite", enterprise: true);
        Registry.InviteToNetwork(vip, owner, guest);
        var logged = _kit.Log.Entries.Count;

        Assert.Equal([vip], Registry.PendingInvites(guest).Select(i => i.NetworkId));
        _kit.Time.Advance(TimeSpan.FromDays(31));
        Assert.Empty(Registry.PendingInvites(guest));
        Assert.Equal(logged, _kit.Log.Entries.Count);
        Assert.Equal("node 9: node not found", Assert.Throws<RegistryException>(() => Registry.PendingInvites(9)).Message);
    }

    [Theory]
    [InlineData(0, 5u, "0:0000.0000.0005")]
    [InlineData(3, 0x10003u, "3:0003.0001.0003")]
    [InlineData(65535, 0xABCDEF01u, "65535:FFFF.ABCD.EF01")]
    public void NodeAddress_Format_UppercaseHex(ushort network, uint node, string expected)
    {
        Assert.Equal(expected, NodeAddress.Format(network, node));
    }
}

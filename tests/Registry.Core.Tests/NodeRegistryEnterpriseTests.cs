using System.Text;
using Registry.Persistence.Deltas;

namespace Registry.Core.Tests;

public sealed class NodeRegistryEnterpriseTests
{
    private readonly TestKit _kit = new();

    private NodeRegistry Registry => _kit.Registry;

    [Fact]
    public void SetKeyExpiry_EnterpriseMember_SetsClearsAndWarnsOnHeartbeat()
    {
        var (owner, _) = EnterpriseNetwork();

        var set = Registry.SetKeyExpiry(owner, "2026-05-13T07:00:00Z");

        Assert.Equal(new DateTimeOffset(2026, 5, 13, 7, 0, 0, TimeSpan.Zero), set.ExpiresAt);
        Assert.True(Registry.Heartbeat(owner).KeyExpiryWarning);
        _kit.Time.Advance(TimeSpan.FromDays(1));
        _kit.AssertRefused(() => Registry.Heartbeat(owner), RegistryErrorCode.KeyExpired, "node 1: key expired at 2026-05-13T07:00:00Z");
        Assert.Null(Registry.SetKeyExpiry(owner, "never").ExpiresAt);
        Assert.False(Registry.Heartbeat(owner).KeyExpiryWarning);
        _kit.AssertReplayEqual(twice: true);
    }

    [Fact]
    public void SetKeyExpiry_Errors_Refused()
    {
        var (owner, _) = EnterpriseNetwork();
        var plain = _kit.Register(5);

        _kit.AssertRefused(() => Registry.SetKeyExpiry(plain, "2026-06-01T00:00:00Z"), RegistryErrorCode.EnterpriseRequired, "enterprise feature: key expiry requires enterprise network membership");
        _kit.AssertRefused(() => Registry.SetKeyExpiry(owner, "soon"), RegistryErrorCode.InvalidKeyExpiry, "invalid expires_at: \"soon\" is not an RFC 3339 time");
        _kit.AssertRefused(() => Registry.SetKeyExpiry(owner, "2026-05-12T07:00:00Z"), RegistryErrorCode.InvalidKeyExpiry, "expires_at must be in the future");
        _kit.AssertRefused(() => Registry.SetKeyExpiry(owner, "2037-01-01T00:00:00Z"), RegistryErrorCode.InvalidKeyExpiry, "invalid expires_at: must be within 10 years");
        _kit.AssertRefused(() => Registry.SetKeyExpiry(99, ""), RegistryErrorCode.NodeNotFound, "node 99: node not found");
    }

    [Fact]
    public void SetExternalId_Sets_AndUnknownRefused()
    {
        var id = _kit.Register(1);

        Registry.SetExternalId(id, "alice@corp");

        Assert.Equal("alice@corp", Registry.Lookup(id)!.ExternalId);
        _kit.AssertRefused(() => Registry.SetExternalId(7, "x"), RegistryErrorCode.NodeNotFound, "node 7: node not found");
        _kit.AssertReplayEqual(twice: true);
    }

    [Fact]
    public void RenameNetwork_Valid_RenamesAndFreesOldName()
    {
        var owner = _kit.Register(1);
        var net = _kit.CreateNetwork(owner, "lab");
        _kit.CreateNetwork(owner, "ops");

        Registry.RenameNetwork(net, "research");

        Assert.Equal("research", Registry.GetNetwork(net)!.Name);
        _kit.CreateNetwork(owner, "lab");
        _kit.AssertRefused(() => Registry.RenameNetwork(net, "ops"), RegistryErrorCode.NetworkNameInUse, "network \"ops\" already exists");
        _kit.AssertRefused(() => Registry.RenameNetwork(net, "Bad"), RegistryErrorCode.InvalidNetworkName, "network name must be lowercase alphanumeric with hyphens, start/end with alphanumeric");
        _kit.AssertRefused(() => Registry.RenameNetwork(0, "x"), RegistryErrorCode.BackboneProtected, "cannot rename the backbone network");
        _kit.AssertRefused(() => Registry.RenameNetwork(40, "x"), RegistryErrorCode.NetworkNotFound, "network 40: network not found");
        _kit.AssertReplayEqual(twice: true);
    }

    [Fact]
    public void SetNetworkEnterprise_OffDropsRoles_OnAssignsOwnerAndMembers()
    {
        var owner = _kit.Register(1);
        var second = _kit.Register(2);
        var net = _kit.CreateNetwork(owner, "lab");
        Registry.JoinNetwork(second, net, null);

        Registry.SetNetworkEnterprise(net, false);
        Assert.Empty(Registry.GetNetwork(net)!.MemberRoles);
        Registry.SetNetworkEnterprise(net, true);

        var info = Registry.GetNetwork(net)!;
        Assert.True(info.Enterprise);
        Assert.Equal(MemberRoles.Owner, info.MemberRoles[owner]);
        Assert.Equal(MemberRoles.Member, info.MemberRoles[second]);
        _kit.AssertRefused(() => Registry.SetNetworkEnterprise(0, true), RegistryErrorCode.BackboneProtected, "cannot change the backbone network");
        _kit.AssertReplayEqual(twice: true);
    }

    [Fact]
    public void Roles_PromoteDemoteTransferKick()
    {
        var (owner, net) = EnterpriseNetwork();
        var a = Join(2, net);
        var b = Join(3, net);

        Assert.Equal(MemberRoles.Admin, Registry.PromoteMember(net, a).Role);
        Assert.Equal(MemberRoles.Member, Registry.DemoteMember(net, a).Role);
        var transfer = Registry.TransferOwnership(net, b);
        Registry.KickMember(net, a);

        Assert.Equal((owner, b), (transfer.OldOwner, transfer.NewOwner));
        Assert.Equal(MemberRoles.Admin, Registry.RoleOf(owner, net));
        Assert.Equal(MemberRoles.Owner, Registry.RoleOf(b, net));
        Assert.DoesNotContain(a, Registry.GetNetwork(net)!.Members);
        _kit.AssertReplayEqual(twice: true);
    }

    [Fact]
    public void Roles_Errors_Refused()
    {
        var (owner, net) = EnterpriseNetwork();
        var plainNet = _kit.CreateNetwork(owner, "plain");
        var outsider = _kit.Register(9);

        _kit.AssertRefused(() => Registry.KickMember(net, owner), RegistryErrorCode.CannotKickOwner, "cannot kick the network owner");
        _kit.AssertRefused(() => Registry.DemoteMember(net, owner), RegistryErrorCode.OwnerRoleFixed, "cannot change the owner's role (use transfer_ownership)");
        _kit.AssertRefused(() => Registry.PromoteMember(net, outsider), RegistryErrorCode.NotMember, $"node {outsider} is not a member of network {net}");
        _kit.AssertRefused(() => Registry.PromoteMember(plainNet, owner), RegistryErrorCode.EnterpriseRequired, "enterprise feature: requires enterprise network");
        _kit.AssertRefused(() => Registry.TransferOwnership(net, 0), RegistryErrorCode.NewOwnerRequired, "transfer_ownership requires new_owner_id");
    }

    [Fact]
    public void SetMemberTags_SetAndDelete()
    {
        var (owner, net) = EnterpriseNetwork();

        Assert.Equal(["db", "svc"], Registry.SetMemberTags(net, owner, ["#db", "svc", "db"]).Tags);
        Assert.Equal(["db", "svc"], Registry.GetNetwork(net)!.MemberTags[owner]);
        Registry.SetMemberTags(net, owner, []);
        Assert.Empty(Registry.GetNetwork(net)!.MemberTags);
        _kit.AssertRefused(() => Registry.SetMemberTags(net, 9, ["a"]), RegistryErrorCode.NotMember, $"node 9 is not a member of network {net}");
        _kit.AssertRefused(() => Registry.SetMemberTags(net, owner, ["Bad"]), RegistryErrorCode.InvalidTags, "tag \"Bad\" must be lowercase alphanumeric with hyphens");
        _kit.AssertReplayEqual(twice: true);
    }

    [Fact]
    public void SetNetworkPolicy_Valid_LimitsJoins()
    {
        var owner = _kit.Register(1);
        var net = _kit.CreateNetwork(owner, "lab", enterprise: true);
        Registry.SetNetworkPolicy(net, 2, [22, 443], "Lab");
        Join(2, net);
        var third = _kit.Register(3);

        _kit.AssertRefused(() => Registry.JoinNetwork(third, net, null), RegistryErrorCode.MembershipLimitReached, "network membership limit reached");
        Assert.Equal((2, "Lab"), (Registry.GetNetwork(net)!.Policy!.MaxMembers, Registry.GetNetwork(net)!.Policy!.Description));
        Assert.Equal([(ushort)22, (ushort)443], Registry.GetNetwork(net)!.Policy!.AllowedPorts);
        _kit.AssertReplayEqual(twice: true);
    }

    [Theory]
    [InlineData(-1, null, null, "invalid max_members: must be between 0 and 10000")]
    [InlineData(10_001, null, null, "invalid max_members: must be between 0 and 10000")]
    [InlineData(0, 0, null, "invalid port 0 in allowed_ports (must be 1-65535)")]
    [InlineData(0, 70_000, null, "invalid port 70000 in allowed_ports (must be 1-65535)")]
    [InlineData(0, null, 257, "description too long (max 256 chars)")]
    public void SetNetworkPolicy_OutOfRange_Refused(int maxMembers, int? port, int? descriptionLength, string message)
    {
        var (_, net) = EnterpriseNetwork();

        _kit.AssertRefused(
            () => Registry.SetNetworkPolicy(net, maxMembers, port is { } p ? [p] : null, descriptionLength is { } n ? new string('d', n) : null),
            RegistryErrorCode.InvalidPolicy,
            message);
    }

    [Fact]
    public void SetNetworkPolicy_BelowMemberCountOrTooManyPorts_Refused()
    {
        var (_, net) = EnterpriseNetwork();
        Join(2, net);

        _kit.AssertRefused(() => Registry.SetNetworkPolicy(net, 1, null, null), RegistryErrorCode.InvalidPolicy, "invalid max_members: below the current member count (2)");
        _kit.AssertRefused(() => Registry.SetNetworkPolicy(net, 0, [.. Enumerable.Range(1, 101)], null), RegistryErrorCode.InvalidPolicy, "too many allowed_ports (max 100)");
    }

    [Fact]
    public void SetExprPolicy_SetAndClear()
    {
        var (_, net) = EnterpriseNetwork();

        var set = Registry.SetExprPolicy(net, Encoding.UTF8.GetBytes("{\"version\":1,\"rules\":[{\"allow\":true}]}"));
        Assert.False(set.Cleared);
        Assert.Equal("{\"version\":1,\"rules\":[{\"allow\":true}]}", Encoding.UTF8.GetString(Registry.GetNetwork(net)!.ExprPolicy!.Value.Span));
        Assert.True(Registry.SetExprPolicy(net, Encoding.UTF8.GetBytes("null")).Cleared);
        Assert.Null(Registry.GetNetwork(net)!.ExprPolicy);
        _kit.AssertRefused(() => Registry.SetExprPolicy(net, Encoding.UTF8.GetBytes("{\"version\":1}")), RegistryErrorCode.InvalidExprPolicy, "invalid expr_policy: rules required");
        _kit.AssertRefused(() => Registry.SetExprPolicy(net, Encoding.UTF8.GetBytes("{\"version\":2,\"rules\":[1]}")), RegistryErrorCode.InvalidExprPolicy, "invalid expr_policy: version must be 1");
        _kit.AssertReplayEqual(twice: true);
    }

    [Fact]
    public void Invites_InvitePollAcceptDecline()
    {
        var owner = _kit.Register(1);
        var vip = _kit.CreateNetwork(owner, "vip", "invite", enterprise: true);
        var club = _kit.CreateNetwork(owner, "club", "invite", enterprise: true);
        var guest = _kit.Register(2);

        Assert.False(Registry.InviteToNetwork(vip, owner, guest).AlreadyInvited);
        Assert.True(Registry.InviteToNetwork(vip, owner, guest).AlreadyInvited);
        Registry.InviteToNetwork(club, owner, guest);
        var poll = Registry.PollInvites(guest);
        Assert.Equal([vip, club], poll.Invites.Select(i => i.NetworkId));
        Assert.Equal(0ul, poll.Sequence);
        Assert.True(Registry.RespondInvite(guest, vip, accept: true).Accepted);
        Assert.False(Registry.RespondInvite(guest, club, accept: false).Accepted);

        Assert.Contains(guest, Registry.GetNetwork(vip)!.Members);
        Assert.Equal(MemberRoles.Member, Registry.RoleOf(guest, vip));
        Assert.DoesNotContain(guest, Registry.GetNetwork(club)!.Members);
        Assert.Empty(Registry.PollInvites(guest).Invites);
        _kit.AssertReplayEqual(twice: true);
    }

    [Fact]
    public void Invites_ExpiredArePrunedByPollAndRefusedOnRespond()
    {
        var owner = _kit.Register(1);
        var vip = _kit.CreateNetwork(owner, "vip", "invite", enterprise: true);
        var guest = _kit.Register(2);
        Registry.InviteToNetwork(vip, owner, guest);
        _kit.Time.Advance(TimeSpan.FromDays(31));
        Registry.Heartbeat(guest);

        _kit.AssertRefused(() => Registry.RespondInvite(guest, vip, accept: true), RegistryErrorCode.InviteExpired, "invite for node 2 to network 1 has expired");
        var poll = Registry.PollInvites(guest);

        Assert.Empty(poll.Invites);
        Assert.NotEqual(0ul, poll.Sequence);
        Assert.Equal(DeltaType.InviteInbox, _kit.LastEntry.Type);
        _kit.AssertRefused(() => Registry.RespondInvite(guest, vip, accept: true), RegistryErrorCode.InviteNotFound, "no pending invite for node 2 to network 1");
        _kit.AssertReplayEqual(twice: true);
    }

    [Fact]
    public void Invites_Errors_Refused()
    {
        var owner = _kit.Register(1);
        var vip = _kit.CreateNetwork(owner, "vip", "invite", enterprise: true);
        var open = _kit.CreateNetwork(owner, "open", enterprise: true);
        var plain = _kit.CreateNetwork(owner, "plain");

        _kit.AssertRefused(() => Registry.InviteToNetwork(vip, owner, owner), RegistryErrorCode.CannotInviteSelf, "cannot invite yourself");
        _kit.AssertRefused(() => Registry.InviteToNetwork(plain, owner, 2), RegistryErrorCode.EnterpriseRequired, "enterprise feature: requires enterprise network");
        _kit.AssertRefused(() => Registry.InviteToNetwork(open, owner, 2), RegistryErrorCode.NotInviteOnly, "invitations require an invite-only network (network 2 has join_rule \"open\")");
        _kit.AssertRefused(() => Registry.InviteToNetwork(vip, owner, 2), RegistryErrorCode.NodeNotFound, "node 2: node not found");
        var guest = _kit.Register(2);
        Registry.InviteToNetwork(vip, owner, guest);
        Registry.RespondInvite(guest, vip, accept: true);
        _kit.AssertRefused(() => Registry.InviteToNetwork(vip, owner, guest), RegistryErrorCode.AlreadyMember, "node 2 already in network 1");
    }

    [Fact]
    public void Invites_InboxFull_Refused()
    {
        var kit = new TestKit(new RegistryOptions { MaxInviteInbox = 1 });
        var owner = kit.Register(1);
        var a = kit.CreateNetwork(owner, "a", "invite", enterprise: true);
        var b = kit.CreateNetwork(owner, "b", "invite", enterprise: true);
        var guest = kit.Register(2);
        kit.Registry.InviteToNetwork(a, owner, guest);

        kit.AssertRefused(() => kit.Registry.InviteToNetwork(b, owner, guest), RegistryErrorCode.InviteInboxFull, "invite inbox full for node 2");
    }

    [Fact]
    public void Deregister_Inviter_DropsInvitesItSent()
    {
        var owner = _kit.Register(1);
        var admin = _kit.Register(3);
        var vip = _kit.CreateNetwork(owner, "vip", "invite", enterprise: true);
        var guest = _kit.Register(2);
        Registry.InviteToNetwork(vip, admin, guest);

        Registry.Deregister(admin);

        Assert.Empty(Registry.PollInvites(guest).Invites);
        _kit.AssertReplayEqual();
    }

    private (uint Owner, ushort Network) EnterpriseNetwork()
    {
        var owner = _kit.Register(1);
        return (owner, _kit.CreateNetwork(owner, "corp", enterprise: true));
    }

    private uint Join(int key, ushort net)
    {
        var id = _kit.Register(key);
        Registry.JoinNetwork(id, net, null);
        return id;
    }
}

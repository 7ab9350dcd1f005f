using Microsoft.Extensions.Time.Testing;
using Registry.Persistence.Tests;

namespace Registry.Server.Tests.Registry;

/// <summary>invite_to_network (S|A + owner/admin, E, invite-only), poll_invites (Sig) and respond_invite (Sig, E) over TCP, on a fake clock.</summary>
public sealed class InviteHandlerTests : StoreHostTestBase
{
    private static readonly DateTimeOffset _start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(_start);

    private protected override TimeProvider? Time => _time;

    private protected override IReadOnlyDictionary<string, string?>? Settings => NextTierSetup.FakeClockSettings;

    [Fact]
    public async Task InvitePollAccept_WithTheDocumentedErrors()
    {
        var ct = Timeouts.Bounded();
        using var client = await Host.ConnectAsync(ct);
        using var owner = new NodeKey();
        using var guest = new NodeKey();
        using var member = new NodeKey();
        var ownerId = await client.RegisterAsync(owner, ct);
        var guestId = await client.RegisterAsync(guest, ct);
        var memberId = await client.RegisterAsync(member, ct);
        var vip = await NextTierSetup.CreateNetworkAsync(client, ownerId, "vip", ct, joinRule: "invite");
        var open = await NextTierSetup.CreateNetworkAsync(client, ownerId, "open", ct, members: memberId);
        var plain = await NextTierSetup.CreateNetworkAsync(client, ownerId, "plain", ct, enterprise: false);
        object Invite(NodeKey signer, uint inviter, ushort network, uint target) =>
            new { type = "invite_to_network", network_id = network, inviter_id = inviter, target_node_id = target, signature = signer.Sign($"invite:{inviter}:{network}:{target}") };

        var invited = await client.OkAsync(Invite(owner, ownerId, vip, guestId), ct);
        Assert.Equal($"{{\"network_id\":{vip},\"target_node_id\":{guestId},\"type\":\"invite_to_network_ok\"}}", invited.ToString());
        var again = await client.OkAsync(Invite(owner, ownerId, vip, guestId), ct);
        Assert.Equal($"{{\"network_id\":{vip},\"status\":\"already_invited\",\"target_node_id\":{guestId},\"type\":\"invite_to_network_ok\"}}", again.ToString());

        Assert.Equal("cannot invite yourself", await client.ErrorAsync(Invite(owner, ownerId, vip, ownerId), ct));
        Assert.Equal("signature verification failed", await client.ErrorAsync(Invite(guest, ownerId, vip, memberId), ct));
        Assert.Equal("enterprise feature: requires enterprise network", await client.ErrorAsync(Invite(owner, ownerId, plain, guestId), ct));
        Assert.Equal($"invitations require an invite-only network (network {open} has join_rule \"open\")", await client.ErrorAsync(Invite(owner, ownerId, open, guestId), ct));
        Assert.Equal("node 99: node not found", await client.ErrorAsync(Invite(owner, ownerId, vip, 99), ct));
        Assert.Equal($"network 42: network not found", await client.ErrorAsync(Invite(owner, ownerId, 42, guestId), ct));

        // The inviter must be owner or admin of the network: a node without a role there gets the rbac text, which the sanitizer hides.
        Assert.Equal("request failed", await client.ErrorAsync(Invite(member, memberId, vip, guestId), ct));

        object Poll(NodeKey signer, uint node) => new { type = "poll_invites", node_id = node, signature = signer.Sign($"poll_invites:{node}") };
        var expected = $"{{\"invites\":[{{\"inviter_id\":{ownerId},\"network_id\":{vip},\"timestamp\":{_start.ToUnixTimeSeconds()}}}],\"type\":\"poll_invites_ok\"}}";
        Assert.Equal(expected, (await client.OkAsync(Poll(guest, guestId), ct)).ToString());
        Assert.Equal(expected, (await client.OkAsync(Poll(guest, guestId), ct)).ToString());
        Assert.Equal("signature verification failed", await client.ErrorAsync(Poll(owner, guestId), ct));
        Assert.Equal("node 99: node not found", await client.ErrorAsync(Poll(guest, 99), ct));

        object Respond(NodeKey signer, uint node, ushort network, bool accept) =>
            new { type = "respond_invite", node_id = node, network_id = network, accept, signature = signer.Sign($"respond_invite:{node}:{network}") };
        Assert.Equal("signature verification failed", await client.ErrorAsync(Respond(owner, guestId, vip, true), ct));

        // "no pending invite for node N to network M" names none of the sanitizer's words.
        Assert.Equal("request failed", await client.ErrorAsync(Respond(guest, guestId, open, true), ct));
        var accepted = await client.OkAsync(Respond(guest, guestId, vip, true), ct);
        Assert.Equal($"{{\"accepted\":true,\"network_id\":{vip},\"type\":\"respond_invite_ok\"}}", accepted.ToString());
        Assert.Equal($"{{\"network_id\":{vip},\"role\":\"member\",\"target_node_id\":{guestId},\"type\":\"get_member_role_ok\"}}", (await client.OkAsync(new { type = "get_member_role", network_id = vip, target_node_id = guestId }, ct)).ToString());
        Assert.Equal("{\"invites\":[],\"type\":\"poll_invites_ok\"}", (await client.OkAsync(Poll(guest, guestId), ct)).ToString());
        Assert.Equal($"node {guestId} already in network {vip}", await client.ErrorAsync(Invite(owner, ownerId, vip, guestId), ct));

        // An admin of the network may invite too; a decline answers accepted=false and leaves no membership.
        await client.OkAsync(new { type = "promote_member", network_id = vip, target_node_id = guestId, node_id = ownerId }, ct);
        await client.OkAsync(Invite(guest, guestId, vip, memberId), ct);
        var declined = await client.OkAsync(Respond(member, memberId, vip, false), ct);
        Assert.Equal($"{{\"accepted\":false,\"network_id\":{vip},\"type\":\"respond_invite_ok\"}}", declined.ToString());
        Assert.Equal($"node {memberId} is not a member of network {vip}", await client.ErrorAsync(new { type = "get_member_role", network_id = vip, target_node_id = memberId }, ct));
    }

    [Fact]
    public async Task ExpiredInvite_RefusedOnRespond_PrunedByPoll()
    {
        var ct = Timeouts.Bounded();
        using var client = await Host.ConnectAsync(ct);
        using var owner = new NodeKey();
        using var guest = new NodeKey();
        var ownerId = await client.RegisterAsync(owner, ct);
        var guestId = await client.RegisterAsync(guest, ct);
        var vip = await NextTierSetup.CreateNetworkAsync(client, ownerId, "vip", ct, joinRule: "invite");
        await client.OkAsync(new { type = "invite_to_network", network_id = vip, inviter_id = ownerId, target_node_id = guestId, admin_token = RegistryTestHost.AdminToken }, ct);

        _time.Advance(TimeSpan.FromDays(31));

        var respond = new { type = "respond_invite", node_id = guestId, network_id = vip, accept = true, signature = guest.Sign($"respond_invite:{guestId}:{vip}") };
        Assert.Equal($"invite for node {guestId} to network {vip} has expired", await client.ErrorAsync(respond, ct));
        Assert.Equal("{\"invites\":[],\"type\":\"poll_invites_ok\"}", (await client.OkAsync(new { type = "poll_invites", node_id = guestId, signature = guest.Sign($"poll_invites:{guestId}") }, ct)).ToString());
        Assert.Equal("request failed", await client.ErrorAsync(respond, ct));
    }

    [Fact]
    public async Task InviteInbox_FullAtOneHundred()
    {
        var ct = Timeouts.Bounded(60);
        using var client = await Host.ConnectAsync(ct);
        var ids = await NextTierSetup.RegisterAsync(client, 3, ct);
        var (owner, guest, other) = (ids[0], ids[1], ids[2]);
        ushort last = 0;
        for (var i = 0; i <= 100; i++)
        {
            last = await NextTierSetup.CreateNetworkAsync(client, owner, $"club-{i}", ct, joinRule: "invite");
            if (i < 100)
            {
                await client.OkAsync(new { type = "invite_to_network", network_id = last, inviter_id = owner, target_node_id = guest, admin_token = RegistryTestHost.AdminToken }, ct);
            }
        }

        // "invite inbox full for node N" names none of the sanitizer's words; the same network still invites another node.
        Assert.Equal("request failed", await client.ErrorAsync(new { type = "invite_to_network", network_id = last, inviter_id = owner, target_node_id = guest, admin_token = RegistryTestHost.AdminToken }, ct));
        await client.OkAsync(new { type = "invite_to_network", network_id = last, inviter_id = owner, target_node_id = other, admin_token = RegistryTestHost.AdminToken }, ct);
    }
}

using System.Globalization;
using System.Text.Json;
using Registry.Core;
using Registry.Server.Dispatch;
using Registry.Server.Protocol;

namespace Registry.Server.Registry;

/// <summary>
/// Network settings and RBAC (§3.4, next tier of §7): rename_network, set_network_enterprise, kick_member,
/// promote_member, demote_member, transfer_ownership, get_member_role, set_member_tags, get_member_tags.
/// </summary>
/// <remarks>
/// R(x) follows §2.2 as delete_network does (global admin token, network admin token, or the role of <c>node_id</c>,
/// trusted as sent); the enterprise check (E) and every domain rule are Core's. Each change is one delta (rename 21, enterprise 22, roles 24, member tags 25, kick a leave, 11),
/// acknowledged once durable, where Go writes none. Members are written in Go's sorted key order, all before <c>type</c>.
/// </remarks>
internal sealed class EnterpriseHandlers(DurableRegistry registry, RequestAuth auth)
{
    private static readonly string[] _ownerOrAdmin = [MemberRoles.Owner, MemberRoles.Admin];
    private static readonly string[] _ownerOnly = [MemberRoles.Owner];

    /// <summary>Maps this area's request types.</summary>
    public void Map(RequestDispatcher dispatcher, HandlerGuard guard)
    {
        dispatcher
            .Map("rename_network", guard.Wrap(RenameNetworkAsync))
            .Map("set_network_enterprise", guard.Wrap(SetNetworkEnterpriseAsync))
            .Map("kick_member", guard.Wrap((c, request, ct) =>
                ChangeMemberAsync(request, "kick_member_ok", _ownerOrAdmin, static (r, net, target) => (null, r.KickMember(net, target).Sequence), ct)))
            .Map("promote_member", guard.Wrap((c, request, ct) =>
                ChangeMemberAsync(request, "promote_member_ok", _ownerOnly, static (r, net, target) => Role(r.PromoteMember(net, target)), ct)))
            .Map("demote_member", guard.Wrap((c, request, ct) =>
                ChangeMemberAsync(request, "demote_member_ok", _ownerOnly, static (r, net, target) => Role(r.DemoteMember(net, target)), ct)))
            .Map("transfer_ownership", guard.Wrap(TransferOwnershipAsync))
            .Map("get_member_role", guard.Wrap(GetMemberRoleAsync))
            .Map("set_member_tags", guard.Wrap(SetMemberTagsAsync))
            .Map("get_member_tags", guard.Wrap(GetMemberTagsAsync));
    }

    private async ValueTask<Response> RenameNetworkAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var networkId = RequestFields.GetUInt16(request, "network_id");
        if (auth.RequireNetworkRole(request, networkId, _ownerOrAdmin) is { } denied)
        {
            return Response.Failure(denied);
        }

        var name = RequestFields.GetString(request, "name");
        await registry.MutateAsync(r => r.RenameNetwork(networkId, name), static r => r.Sequence, cancellationToken).ConfigureAwait(false);
        return Response.Build("rename_network_ok", (networkId, name), static (w, s) =>
        {
            w.WriteString("name", s.name);
            w.WriteNumber("network_id", s.networkId);
        });
    }

    private async ValueTask<Response> SetNetworkEnterpriseAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        // A, with this request's own text (§3.4) whether the token is wrong or none is configured.
        if (!auth.IsAdmin(request))
        {
            return Response.Failure("set_network_enterprise requires admin token");
        }

        var networkId = RequestFields.GetUInt16(request, "network_id");
        var enterprise = RequestFields.GetBool(request, "enterprise");
        await registry.MutateAsync(r => r.SetNetworkEnterprise(networkId, enterprise), static r => r.Sequence, cancellationToken).ConfigureAwait(false);
        return Response.Build("set_network_enterprise_ok", (networkId, enterprise), static (w, s) =>
        {
            w.WriteBoolean("enterprise", s.enterprise);
            w.WriteNumber("network_id", s.networkId);
        });
    }

    /// <summary>The shape kick, promote and demote share: R(<paramref name="roles"/>), one change to <c>target_node_id</c>, a reply naming it (and its new role, if any).</summary>
    private async ValueTask<Response> ChangeMemberAsync(
        JsonElement request,
        string okType,
        string[] roles,
        Func<NodeRegistry, ushort, uint, (string? Role, ulong Sequence)> change,
        CancellationToken cancellationToken)
    {
        var networkId = RequestFields.GetUInt16(request, "network_id");
        var targetId = RequestFields.GetUInt32(request, "target_node_id");
        if (auth.RequireNetworkRole(request, networkId, roles) is { } denied)
        {
            return Response.Failure(denied);
        }

        var (role, _) = await registry.MutateAsync(r => change(r, networkId, targetId), static r => r.Sequence, cancellationToken).ConfigureAwait(false);
        return Response.Build(okType, (networkId, targetId, role), static (w, s) =>
        {
            w.WriteNumber("network_id", s.networkId);
            if (s.role is not null)
            {
                w.WriteString("role", s.role);
            }

            w.WriteNumber("target_node_id", s.targetId);
        });
    }

    private static (string? Role, ulong Sequence) Role(RoleResult result) => (result.Role, result.Sequence);

    private async ValueTask<Response> TransferOwnershipAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var networkId = RequestFields.GetUInt16(request, "network_id");
        if (auth.RequireNetworkRole(request, networkId, _ownerOnly) is { } denied)
        {
            return Response.Failure(denied);
        }

        var newOwner = RequestFields.GetUInt32(request, "new_owner_id");
        var result = await registry.MutateAsync(r => r.TransferOwnership(networkId, newOwner), static r => r.Sequence, cancellationToken).ConfigureAwait(false);
        return Response.Build("transfer_ownership_ok", result, static (w, r) =>
        {
            w.WriteNumber("network_id", r.NetworkId);
            w.WriteNumber("new_owner", r.NewOwner);
            w.WriteNumber("old_owner", r.OldOwner);
        });
    }

    private async ValueTask<Response> GetMemberRoleAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var networkId = RequestFields.GetUInt16(request, "network_id");
        var targetId = RequestFields.GetUInt32(request, "target_node_id");
        var role = await registry.ReadAsync(r => r.MemberRole(networkId, targetId), cancellationToken).ConfigureAwait(false);
        return Response.Build("get_member_role_ok", (networkId, targetId, role), static (w, s) =>
        {
            w.WriteNumber("network_id", s.networkId);
            w.WriteString("role", s.role);
            w.WriteNumber("target_node_id", s.targetId);
        });
    }

    private async ValueTask<Response> SetMemberTagsAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var networkId = RequestFields.GetUInt16(request, "network_id");
        var targetId = RequestFields.GetUInt32(request, "target_node_id");
        if (auth.RequireNetworkRole(request, networkId, _ownerOrAdmin) is { } denied)
        {
            return Response.Failure(denied);
        }

        var tags = RequestFields.GetStringArray(request, "tags");
        var result = await registry.MutateAsync(r => r.SetMemberTags(networkId, targetId, tags), static r => r.Sequence, cancellationToken).ConfigureAwait(false);
        return Response.Build("set_member_tags_ok", (networkId, result), static (w, s) =>
        {
            w.WriteNumber("network_id", s.networkId);
            Json.WriteStrings(w, "tags", s.result.Tags);
            w.WriteNumber("target_node_id", s.result.NodeId);
        });
    }

    private async ValueTask<Response> GetMemberTagsAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var networkId = RequestFields.GetUInt16(request, "network_id");
        var targetId = RequestFields.GetUInt32(request, "target_node_id");
        if (targetId != 0)
        {
            var tags = await registry.ReadAsync(r => r.MemberTagsOf(networkId, targetId), cancellationToken).ConfigureAwait(false);
            return Response.Build("get_member_tags_ok", (networkId, targetId, tags), static (w, s) =>
            {
                w.WriteNumber("network_id", s.networkId);
                Json.WriteStrings(w, "tags", s.tags);
                w.WriteNumber("target_node_id", s.targetId);
            });
        }

        // 0 = every member's tags, keyed by the decimal node id (a Go map with string keys).
        var all = await registry.ReadAsync(r => r.AllMemberTags(networkId), cancellationToken).ConfigureAwait(false);
        return Response.Build("get_member_tags_ok", (networkId, all), static (w, s) =>
        {
            w.WriteStartObject("members");
            foreach (var (nodeId, tags) in s.all)
            {
                Json.WriteStrings(w, nodeId.ToString(CultureInfo.InvariantCulture), tags);
            }

            w.WriteEndObject();
            w.WriteNumber("network_id", s.networkId);
        });
    }
}

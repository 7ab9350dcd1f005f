using System.Text.Json;
using Registry.Core;
using Registry.Server.Dispatch;
using Registry.Server.Protocol;
using Registry.Server.Security;

namespace Registry.Server.Registry;

/// <summary>Invitations to invite-only enterprise networks (§3.4): invite_to_network, poll_invites, respond_invite.</summary>
/// <remarks>
/// Go keeps invitations only in snapshots; here every inbox change is a delta (kind 23; an accept is a join, kind 10)
/// acknowledged once durable. Members are written in Go's sorted key order, all before <c>type</c>.
/// </remarks>
internal sealed class InviteHandlers(DurableRegistry registry, RequestAuth auth)
{
    /// <summary>Maps this area's request types.</summary>
    public void Map(RequestDispatcher dispatcher, HandlerGuard guard)
    {
        dispatcher
            .Map("invite_to_network", guard.Wrap(InviteToNetworkAsync))
            .Map("poll_invites", guard.Wrap(PollInvitesAsync))
            .Map("respond_invite", guard.Wrap(RespondInviteAsync));
    }

    private async ValueTask<Response> InviteToNetworkAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var networkId = RequestFields.GetUInt16(request, "network_id");
        var inviterId = RequestFields.GetUInt32(request, "inviter_id");
        var targetId = RequestFields.GetUInt32(request, "target_node_id");

        // S|A by the inviter, then the inviter's role (owner/admin) unless a global or per-network admin token vouches.
        var denied = await auth.RequireSignatureOrAdminAsync(request, inviterId, Challenges.InviteToNetwork(inviterId, networkId, targetId)).ConfigureAwait(false)
            ?? auth.RequireNetworkRole(request, networkId, inviterId, MemberRoles.Owner, MemberRoles.Admin);
        if (denied is not null)
        {
            return Response.Failure(denied);
        }

        var result = await registry.MutateAsync(r => r.InviteToNetwork(networkId, inviterId, targetId), static r => r.Sequence, cancellationToken).ConfigureAwait(false);
        return Response.Build("invite_to_network_ok", result, static (w, r) =>
        {
            w.WriteNumber("network_id", r.NetworkId);
            if (r.AlreadyInvited)
            {
                w.WriteString("status", "already_invited");
            }

            w.WriteNumber("target_node_id", r.TargetNodeId);
        });
    }

    private async ValueTask<Response> PollInvitesAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var nodeId = RequestFields.GetUInt32(request, "node_id");
        if (await auth.RequireSignatureAsync(request, nodeId, Challenges.PollInvites(nodeId)).ConfigureAwait(false) is { } denied)
        {
            return Response.Failure(denied);
        }

        // Polling leaves valid invitations in place and only prunes expired ones, so a standby (§5 lists poll_invites)
        // can answer the same list without writing; the primary logs the prune when there is one.
        var invites = registry.Store.IsStandby
            ? await registry.ReadAsync(r => r.PendingInvites(nodeId), cancellationToken).ConfigureAwait(false)
            : (await registry.MutateAsync(r => r.PollInvites(nodeId), static r => r.Sequence, cancellationToken).ConfigureAwait(false)).Invites;
        return Response.Build("poll_invites_ok", invites, static (w, list) =>
        {
            w.WriteStartArray("invites");
            foreach (var invite in list)
            {
                w.WriteStartObject();
                w.WriteNumber("inviter_id", invite.InviterId);
                w.WriteNumber("network_id", invite.NetworkId);
                w.WriteNumber("timestamp", Json.Unix(invite.Timestamp));
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
    }

    private async ValueTask<Response> RespondInviteAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var nodeId = RequestFields.GetUInt32(request, "node_id");
        var networkId = RequestFields.GetUInt16(request, "network_id");
        if (await auth.RequireSignatureAsync(request, nodeId, Challenges.RespondInvite(nodeId, networkId)).ConfigureAwait(false) is { } denied)
        {
            return Response.Failure(denied);
        }

        var accept = RequestFields.GetBool(request, "accept");
        var result = await registry.MutateAsync(r => r.RespondInvite(nodeId, networkId, accept), static r => r.Sequence, cancellationToken).ConfigureAwait(false);
        return Response.Build("respond_invite_ok", result, static (w, r) =>
        {
            w.WriteBoolean("accepted", r.Accepted);
            w.WriteNumber("network_id", r.NetworkId);
        });
    }
}

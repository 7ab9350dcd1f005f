using System.Text.Json;
using Registry.Core;
using Registry.Server.Dispatch;
using Registry.Server.Protocol;
using Registry.Server.Security;

namespace Registry.Server.Registry;

/// <summary>Networks and membership (§3.4, core subset): create_network, join_network, leave_network, delete_network.</summary>
internal sealed class NetworkHandlers(DurableRegistry registry, RequestAuth auth)
{
    /// <summary>Maps this area's request types.</summary>
    public void Map(RequestDispatcher dispatcher, HandlerGuard guard)
    {
        dispatcher
            .Map("create_network", guard.Wrap(CreateNetworkAsync))
            .Map("join_network", guard.Wrap(JoinNetworkAsync))
            .Map("leave_network", guard.Wrap(LeaveNetworkAsync))
            .Map("delete_network", guard.Wrap(DeleteNetworkAsync));
    }

    private async ValueTask<Response> CreateNetworkAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        // A: the global admin token; the node is named, not signed (§3.4).
        if (auth.RequireAdmin(request) is { } denied)
        {
            return Response.Failure(denied);
        }

        var create = new CreateNetworkRequest
        {
            NodeId = RequestFields.GetUInt32(request, "node_id"),
            Name = RequestFields.GetString(request, "name"),
            JoinRule = RequestFields.GetString(request, "join_rule"),
            Token = RequestFields.GetString(request, "token"),
            NetworkAdminToken = RequestFields.GetString(request, "network_admin_token"),
            Enterprise = RequestFields.GetBool(request, "enterprise"),
            Rules = Json.ReadDocument(request, "rules"),
            ExprPolicy = Json.ReadDocument(request, "expr_policy"),
        };
        var result = await registry.MutateAsync(r => r.CreateNetwork(create), static r => r.Sequence, cancellationToken).ConfigureAwait(false);
        return Response.Build("create_network_ok", result, static (w, r) =>
        {
            w.WriteNumber("network_id", r.NetworkId);
            w.WriteString("name", r.Name);
            w.WriteBoolean("enterprise", r.Enterprise);
            if (r.Managed)
            {
                w.WriteBoolean("managed", true);
            }
        });
    }

    private async ValueTask<Response> JoinNetworkAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var nodeId = RequestFields.GetUInt32(request, "node_id");
        var networkId = RequestFields.GetUInt16(request, "network_id");
        if (await auth.RequireSignatureOrAdminAsync(request, nodeId, Challenges.JoinNetwork(nodeId, networkId)).ConfigureAwait(false) is { } denied)
        {
            return Response.Failure(denied);
        }

        var token = RequestFields.GetString(request, "token");
        var result = await registry.MutateAsync(r => r.JoinNetwork(nodeId, networkId, token), static r => r.Sequence, cancellationToken).ConfigureAwait(false);
        var network = registry.State.GetNetwork(networkId);
        return Response.Build("join_network_ok", (result, network), static (w, s) =>
        {
            w.WriteNumber("network_id", s.result.NetworkId);
            w.WriteString("address", s.result.Address);
            if (s.network?.Rules is { IsEmpty: false } rules)
            {
                w.WritePropertyName("rules");
                w.WriteRawValue(rules.Span);
            }

            if (s.network?.ExprPolicy is { IsEmpty: false } expr)
            {
                w.WritePropertyName("expr_policy");
                w.WriteRawValue(expr.Span);
            }
        });
    }

    private async ValueTask<Response> LeaveNetworkAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var nodeId = RequestFields.GetUInt32(request, "node_id");
        var networkId = RequestFields.GetUInt16(request, "network_id");
        if (await auth.RequireSignatureOrAdminAsync(request, nodeId, Challenges.LeaveNetwork(nodeId, networkId)).ConfigureAwait(false) is { } denied)
        {
            return Response.Failure(denied);
        }

        await registry.MutateAsync(r => r.LeaveNetwork(nodeId, networkId), static r => r.Sequence, cancellationToken).ConfigureAwait(false);
        return Response.Build("leave_network_ok", networkId, static (w, id) => w.WriteNumber("network_id", id));
    }

    private async ValueTask<Response> DeleteNetworkAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var networkId = RequestFields.GetUInt16(request, "network_id");
        if (networkId == RegistryState.BackboneId)
        {
            return Response.Failure("cannot delete the backbone network");
        }

        // R(owner), §2.2: as in Go, the role path trusts node_id as sent (no signature).
        if (auth.RequireNetworkRole(request, networkId, MemberRoles.Owner) is { } denied)
        {
            return Response.Failure(denied);
        }

        await registry.MutateAsync(r => r.DeleteNetwork(networkId), static r => r.Sequence, cancellationToken).ConfigureAwait(false);
        return Response.Build("delete_network_ok", networkId, static (w, id) => w.WriteNumber("network_id", id));
    }
}

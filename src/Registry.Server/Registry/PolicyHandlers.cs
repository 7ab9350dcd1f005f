using System.Text.Json;
using Registry.Core;
using Registry.Server.Dispatch;
using Registry.Server.Protocol;

namespace Registry.Server.Registry;

/// <summary>Network policies (§3.4, next tier of §7): set_network_policy, get_network_policy, set_expr_policy, get_expr_policy.</summary>
/// <remarks>Setting needs R(owner, admin) (§2.2); reading needs nothing, as in Go. Changes are deltas 26/27, acknowledged once durable.</remarks>
internal sealed class PolicyHandlers(DurableRegistry registry, RequestAuth auth)
{
    private static readonly string[] _ownerOrAdmin = [MemberRoles.Owner, MemberRoles.Admin];

    /// <summary>Maps this area's request types.</summary>
    public void Map(RequestDispatcher dispatcher, HandlerGuard guard)
    {
        dispatcher
            .Map("set_network_policy", guard.Wrap(SetNetworkPolicyAsync))
            .Map("get_network_policy", guard.Wrap(GetNetworkPolicyAsync))
            .Map("set_expr_policy", guard.Wrap(SetExprPolicyAsync))
            .Map("get_expr_policy", guard.Wrap(GetExprPolicyAsync));
    }

    private async ValueTask<Response> SetNetworkPolicyAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var networkId = RequestFields.GetUInt16(request, "network_id");
        if (auth.RequireNetworkRole(request, networkId, _ownerOrAdmin) is { } denied)
        {
            return Response.Failure(denied);
        }

        // Read leniently (§1.2: a negative or non-number max_members is 0 = no limit); values that are numbers but out
        // of range reach Core, which names them in its error.
        var maxMembers = (int)RequestFields.GetInt64(request, "max_members", int.MaxValue);
        var ports = RequestFields.GetInt32Array(request, "allowed_ports");
        var description = RequestFields.GetString(request, "description");
        await registry.MutateAsync(r => r.SetNetworkPolicy(networkId, maxMembers, ports, description), static r => r.Sequence, cancellationToken).ConfigureAwait(false);
        var policy = new NetworkPolicy(maxMembers, [.. ports.Select(static p => (ushort)p)], description);
        return Response.Build("set_network_policy_ok", (networkId, policy), static (w, s) => WritePolicy(w, s.networkId, s.policy));
    }

    private async ValueTask<Response> GetNetworkPolicyAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var networkId = RequestFields.GetUInt16(request, "network_id");
        var policy = await registry.ReadAsync(r => r.NetworkPolicyOf(networkId), cancellationToken).ConfigureAwait(false);
        return Response.Build("get_network_policy_ok", (networkId, policy), static (w, s) => WritePolicy(w, s.networkId, s.policy));
    }

    private async ValueTask<Response> SetExprPolicyAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var networkId = RequestFields.GetUInt16(request, "network_id");
        if (auth.RequireNetworkRole(request, networkId, _ownerOrAdmin) is { } denied)
        {
            return Response.Failure(denied);
        }

        // A string holding the document or the object itself; "", "null" (or no member) clears.
        var document = Json.ReadDocument(request, "expr_policy");
        var result = await registry.MutateAsync(r => r.SetExprPolicy(networkId, document), static r => r.Sequence, cancellationToken).ConfigureAwait(false);
        return Response.Build("set_expr_policy_ok", result, static (w, r) =>
        {
            if (r.Cleared)
            {
                w.WriteBoolean("cleared", true);
            }

            w.WriteNumber("network_id", r.NetworkId);
        });
    }

    private async ValueTask<Response> GetExprPolicyAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var networkId = RequestFields.GetUInt16(request, "network_id");
        var policy = await registry.ReadAsync(r => r.ExprPolicyOf(networkId), cancellationToken).ConfigureAwait(false);
        return Response.Build("get_expr_policy_ok", (networkId, policy), static (w, s) =>
        {
            if (s.policy is { } document)
            {
                w.WritePropertyName("expr_policy");
                w.WriteRawValue(document.Span);
            }

            w.WriteNumber("network_id", s.networkId);
        });
    }

    /// <summary>The four policy members, in Go's sorted order; no ports is an empty array.</summary>
    private static void WritePolicy(Utf8JsonWriter w, ushort networkId, NetworkPolicy policy)
    {
        w.WriteStartArray("allowed_ports");
        foreach (var port in policy.AllowedPorts)
        {
            w.WriteNumberValue(port);
        }

        w.WriteEndArray();
        w.WriteString("description", policy.Description);
        w.WriteNumber("max_members", policy.MaxMembers);
        w.WriteNumber("network_id", networkId);
    }
}

using System.Text.Json;
using Registry.Core;
using Registry.Server.Dispatch;
using Registry.Server.Protocol;
using Registry.Server.Security;

namespace Registry.Server.Registry;

/// <summary>Discovery (§3.2): lookup, resolve, resolve_hostname, list_nodes, list_networks.</summary>
/// <remarks>Each read waits until the state it returned is acknowledged (<see cref="DurableRegistry.ReadAsync"/>).</remarks>
internal sealed class QueryHandlers(DurableRegistry registry, RequestAuth auth, TimeProvider time, PerIpLimits limits, ListNodesCache cache, string beaconAddress)
{
    /// <summary>Maps this area's request types.</summary>
    public void Map(RequestDispatcher dispatcher, HandlerGuard guard)
    {
        dispatcher
            .Map("lookup", guard.Wrap(Limited(LookupAsync)), bounded: true)
            .Map("resolve", guard.Wrap(Limited(ResolveAsync)), bounded: true)
            .Map("resolve_hostname", guard.Wrap(Limited(ResolveHostnameAsync)), bounded: true)
            .Map("list_nodes", guard.Wrap(Limited(ListNodesAsync)))
            .Map("list_networks", guard.Wrap(ListNetworksAsync));
    }

    /// <summary>The opt-in per-IP query bucket ([M], §1.4; off by default): null when the query may run, else the refusal.</summary>
    internal static string? QueryRefusal(PerIpLimits limits, RequestContext context) =>
        limits.Queries is { } bucket && !bucket.TryAcquire(context.RemoteEndPoint.Address)
            ? $"rate limited: too many queries from {context.RemoteEndPoint.Address}"
            : null;

    /// <summary>The resolve refusal for a failed requester check: an unknown requester gets the resolve-specific text.</summary>
    internal static string ResolveDenied(string denied, uint requesterId) =>
        string.Equals(denied, RequestAuth.NotFound(requesterId), StringComparison.Ordinal)
            ? $"resolve denied: requester node {requesterId} is not registered"
            : denied;

    /// <summary>The address a node is dialled at: its recorded one, or for a relay-only node the configured beacon (empty when none is).</summary>
    internal static string AdvertisedAddress(NodeInfo node, string beaconAddress) => node.RelayOnly ? beaconAddress : node.RealAddr;

    /// <summary>The query bucket in front of a handler.</summary>
    private RequestHandler Limited(RequestHandler handler) => (context, request, cancellationToken) =>
        QueryRefusal(limits, context) is { } refused
            ? ValueTask.FromResult(Response.Failure(refused))
            : handler(context, request, cancellationToken);

    private async ValueTask<Response> LookupAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var nodeId = RequestFields.GetUInt32(request, "node_id");
        var node = await registry.ReadAsync(r => r.Lookup(nodeId), cancellationToken).ConfigureAwait(false);
        if (node is null)
        {
            return Response.Failure(RequestAuth.NotFound(nodeId));
        }

        return Response.Build("lookup_ok", (node, beaconAddress), static (w, s) =>
        {
            var n = s.node;
            w.WriteNumber("node_id", n.Id);
            w.WriteString("address", n.Address);
            w.WriteStartArray("networks");
            foreach (var network in n.Networks)
            {
                w.WriteNumberValue(network);
            }

            w.WriteEndArray();
            w.WriteString("public_key", n.PublicKey);
            w.WriteBoolean("public", n.Public);
            WriteIfSet(w, "hostname", n.Hostname);
            if (n.Tags.Count > 0)
            {
                Json.WriteStrings(w, "tags", n.Tags);
            }

            if (n.TaskExec)
            {
                w.WriteBoolean("task_exec", true);
            }

            if (n.Public)
            {
                var address = AdvertisedAddress(n, s.beaconAddress);
                w.WriteString("real_addr", address);
                w.WriteString("endpoint", address);
                if (n.RelayOnly)
                {
                    w.WriteBoolean("relay_only", true);
                }
            }

            WriteIfSet(w, "external_id", n.ExternalId);
            WriteIfSet(w, "version", n.Version);
        });
    }

    private async ValueTask<Response> ResolveAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var nodeId = RequestFields.GetUInt32(request, "node_id");
        var requesterId = RequestFields.GetUInt32(request, "requester_id");
        if (await auth.RequireSignatureAsync(request, requesterId, Challenges.Resolve(requesterId, nodeId)).ConfigureAwait(false) is { } denied)
        {
            return Response.Failure(ResolveDenied(denied, requesterId));
        }

        var node = await registry.ReadAsync(r => r.Resolve(nodeId, requesterId), cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        return Response.Build("resolve_ok", (node, now, beaconAddress), static (w, s) =>
        {
            var n = s.node;
            w.WriteNumber("node_id", n.Id);
            w.WriteString("real_addr", AdvertisedAddress(n, s.beaconAddress));
            if (n.RelayOnly)
            {
                w.WriteBoolean("relay_only", true);
            }
            else if (n.LanAddrs.Count > 0)
            {
                Json.WriteStrings(w, "lan_addrs", n.LanAddrs);
            }

            if (n.Key.AgeDays(s.now) is { } days)
            {
                w.WriteNumber("key_age_days", days);
            }
        });
    }

    private async ValueTask<Response> ResolveHostnameAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var hostname = RequestFields.GetString(request, "hostname");
        var requesterId = RequestFields.GetUInt32(request, "requester_id");
        var node = await registry.ReadAsync(r => r.ResolveHostname(hostname, requesterId), cancellationToken).ConfigureAwait(false);
        return Response.Build("resolve_hostname_ok", node, static (w, n) =>
        {
            w.WriteNumber("node_id", n.Id);
            w.WriteString("address", n.Address);
            w.WriteBoolean("public", n.Public);
            w.WriteString("hostname", n.Hostname);
        });
    }

    private async ValueTask<Response> ListNodesAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var networkId = RequestFields.GetUInt16(request, "network_id");
        if (networkId == RegistryState.BackboneId && !auth.IsAdmin(request))
        {
            return Response.Failure("listing backbone nodes is not permitted (use lookup with a specific node_id)");
        }

        // Read before the query: the state the query sees is at least this version, so the entry can only miss, never be stale.
        var version = registry.State.StateVersion;
        if (cache.TryGet(networkId, version, out var cached))
        {
            return Response.FromJson(cached);
        }

        var members = await registry.ReadAsync(r => r.ListNodes(networkId), cancellationToken).ConfigureAwait(false);
        var response = Response.Build("list_nodes_ok", (members, networkId), static (w, s) =>
        {
            w.WriteStartArray("nodes");
            foreach (var member in s.members)
            {
                WriteMember(w, member, s.networkId);
            }

            w.WriteEndArray();
        });

        // After a log failure the read did not wait for acknowledgement, so its body must not outlive this request.
        if (registry.Store.Log.Failure is null)
        {
            cache.Store(networkId, version, response.Body);
        }

        return response;
    }

    private async ValueTask<Response> ListNetworksAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var admin = auth.IsAdmin(request);
        var networks = await registry.ReadAsync(r => r.ListNetworks(), cancellationToken).ConfigureAwait(false);
        return Response.Build("list_networks_ok", (networks, admin), static (w, s) =>
        {
            w.WriteStartArray("networks");
            foreach (var net in s.networks)
            {
                w.WriteStartObject();
                w.WriteNumber("id", net.Id);
                w.WriteString("name", net.Name);
                w.WriteString("join_rule", net.JoinRule);
                w.WriteBoolean("enterprise", net.Enterprise);
                w.WriteNumber("created", Json.Unix(net.Created));
                if (s.admin)
                {
                    w.WriteNumber("members", net.Members.Count);
                }

                if (net.Enterprise && net.Policy is { } policy)
                {
                    if (policy.MaxMembers > 0)
                    {
                        w.WriteNumber("max_members", policy.MaxMembers);
                    }

                    WriteIfSet(w, "description", policy.Description);
                }

                if (net.Rules is { IsEmpty: false } rules)
                {
                    w.WriteBoolean("managed", true);
                    w.WritePropertyName("rules");
                    w.WriteRawValue(rules.Span);
                }

                w.WriteBoolean("has_expr_policy", net.ExprPolicy is { IsEmpty: false });
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
    }

    private static void WriteMember(Utf8JsonWriter w, NetworkMember member, ushort networkId)
    {
        w.WriteStartObject();
        w.WriteNumber("node_id", member.NodeId);
        w.WriteString("address", NodeAddress.Format(networkId, member.NodeId));
        if (member.Node is { } n)
        {
            w.WriteBoolean("public", n.Public);
        }
        else
        {
            w.WriteBoolean("offline", true);
        }

        WriteIfSet(w, "role", member.Role);
        if (member.MemberTags.Count > 0)
        {
            Json.WriteStrings(w, "member_tags", member.MemberTags);
        }

        if (member.Node is { } node)
        {
            WriteIfSet(w, "hostname", node.Hostname);
            if (node.TaskExec)
            {
                w.WriteBoolean("task_exec", true);
            }

            if (node.Public)
            {
                w.WriteString("real_addr", node.RealAddr);
            }

            if (node.Tags.Count > 0)
            {
                Json.WriteStrings(w, "tags", node.Tags);
            }

            WriteIfSet(w, "external_id", node.ExternalId);
            WriteIfSet(w, "version", node.Version);
            w.WriteString("last_seen", Json.Rfc3339(node.LastSeen));
        }

        w.WriteEndObject();
    }

    private static void WriteIfSet(Utf8JsonWriter w, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            w.WriteString(name, value);
        }
    }
}

using System.Text.Json;
using Registry.Server.Dispatch;
using Registry.Server.Hosting;
using Registry.Server.Protocol;
using Registry.Server.Security;

namespace Registry.Server.Registry;

/// <summary>NAT traversal helpers (§3.6): <c>punch</c> (both participants' real addresses) and the beacon list (<c>beacon_register</c>, <c>beacon_list</c>).</summary>
/// <remarks>None of them changes the registry: nothing is logged, and <c>punch</c> reads through <see cref="DurableRegistry.ReadAsync"/> like any query.</remarks>
internal sealed class RelayHandlers(DurableRegistry registry, RequestAuth auth, BeaconTable beacons)
{
    /// <summary>The refusal of a punch by a node that is neither of the two.</summary>
    public const string NotParticipant = "punch denied: requester must be participant";

    /// <summary>Maps this area's request types.</summary>
    public void Map(RequestDispatcher dispatcher, HandlerGuard guard)
    {
        dispatcher
            .Map("punch", guard.Wrap(PunchAsync), bounded: true)
            .Map("beacon_register", guard.Wrap(BeaconRegisterAsync), bounded: true)
            .Map("beacon_list", guard.Wrap(BeaconListAsync), bounded: true);
    }

    private async ValueTask<Response> PunchAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var requesterId = RequestFields.GetUInt32(request, "requester_id");
        var nodeA = RequestFields.GetUInt32(request, "node_a");
        var nodeB = RequestFields.GetUInt32(request, "node_b");
        if (requesterId == 0 || (requesterId != nodeA && requesterId != nodeB))
        {
            return Response.Failure(NotParticipant);
        }

        if (await auth.RequireSignatureAsync(request, requesterId, Challenges.Punch(nodeA, nodeB)).ConfigureAwait(false) is { } denied)
        {
            return Response.Failure(denied);
        }

        var (a, b) = await registry.ReadAsync(r => (r.Lookup(nodeA), r.Lookup(nodeB)), cancellationToken).ConfigureAwait(false);
        if (a is null || b is null)
        {
            return Response.Failure(RequestAuth.NotFound(a is null ? nodeA : nodeB));
        }

        // Real addresses even of private or relay-only nodes: both sides asked to meet (and the requester signed).
        return Response.Build("punch_ok", (a, b), static (w, s) =>
        {
            w.WriteNumber("node_a", s.a.Id);
            w.WriteString("node_a_addr", s.a.RealAddr);
            w.WriteNumber("node_b", s.b.Id);
            w.WriteString("node_b_addr", s.b.RealAddr);
        });
    }

    private ValueTask<Response> BeaconRegisterAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        if (auth.RequireAdmin(request) is { } refused)
        {
            return ValueTask.FromResult(Response.Failure(refused));
        }

        var id = RequestFields.GetUInt32(request, "beacon_id");
        var address = RequestFields.GetString(request, "addr");
        var error = id == 0 ? "beacon_id required"
            : !HostPort.IsAdvertisable(address) ? $"invalid beacon addr: \"{address}\" is not host:port"
            : !beacons.Register(id, address!) ? $"too many beacons (max {BeaconTable.Capacity})"
            : null;
        return ValueTask.FromResult(error is null
            ? Response.Build("beacon_register_ok", id, static (w, i) => w.WriteNumber("beacon_id", i))
            : Response.Failure(error));
    }

    private ValueTask<Response> BeaconListAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Response.Build("beacon_list_ok", beacons.List(), static (w, list) =>
        {
            w.WriteStartArray("beacons");
            foreach (var (id, address) in list)
            {
                w.WriteStartObject();
                w.WriteNumber("id", id);
                w.WriteString("addr", address);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }));
}

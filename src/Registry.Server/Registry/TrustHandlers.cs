using System.Text.Json;
using Registry.Server.Dispatch;
using Registry.Server.Protocol;
using Registry.Server.Security;

namespace Registry.Server.Registry;

/// <summary>Trust (§3.5): report_trust, revoke_trust, check_trust, request_handshake, poll_handshakes, respond_handshake.</summary>
/// <remarks>
/// Unlike the Go server (which persists trust and inboxes only through snapshots), every change here has a delta and
/// is acknowledged only once durable.
/// </remarks>
internal sealed class TrustHandlers(DurableRegistry registry, RequestAuth auth, SignatureVerifier verifier)
{
    /// <summary>Maps this area's request types.</summary>
    public void Map(RequestDispatcher dispatcher, HandlerGuard guard)
    {
        dispatcher
            .Map("report_trust", guard.Wrap(ReportTrustAsync))
            .Map("revoke_trust", guard.Wrap(RevokeTrustAsync))
            .Map("check_trust", guard.Wrap(CheckTrustAsync))
            .Map("request_handshake", guard.Wrap(RequestHandshakeAsync))
            .Map("poll_handshakes", guard.Wrap(PollHandshakesAsync))
            .Map("respond_handshake", guard.Wrap(RespondHandshakeAsync));
    }

    private async ValueTask<Response> ReportTrustAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var nodeId = RequestFields.GetUInt32(request, "node_id");
        var peerId = RequestFields.GetUInt32(request, "peer_id");
        if (await auth.RequireSignatureAsync(request, nodeId, Challenges.ReportTrust(nodeId, peerId)).ConfigureAwait(false) is { } denied)
        {
            return Response.Failure(denied);
        }

        await registry.MutateAsync(r => r.ReportTrust(nodeId, peerId), static r => r.Sequence, cancellationToken).ConfigureAwait(false);
        return Response.Ok("report_trust_ok");
    }

    private async ValueTask<Response> RevokeTrustAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var nodeId = RequestFields.GetUInt32(request, "node_id");
        var peerId = RequestFields.GetUInt32(request, "peer_id");
        if (await auth.RequireSignatureAsync(request, nodeId, Challenges.RevokeTrust(nodeId, peerId)).ConfigureAwait(false) is { } denied)
        {
            return Response.Failure(denied);
        }

        await registry.MutateAsync(r => r.RevokeTrust(nodeId, peerId), static r => r.Sequence, cancellationToken).ConfigureAwait(false);
        return Response.Ok("revoke_trust_ok");
    }

    private async ValueTask<Response> CheckTrustAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var nodeId = RequestFields.GetUInt32(request, "node_id");
        var peerId = RequestFields.GetUInt32(request, "peer_id");
        var trusted = await registry.ReadAsync(r => r.CheckTrust(nodeId, peerId), cancellationToken).ConfigureAwait(false);
        return Response.Build("check_trust_ok", trusted, static (w, t) => w.WriteBoolean("trusted", t));
    }

    private async ValueTask<Response> RequestHandshakeAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var fromId = RequestFields.GetUInt32(request, "from_node_id");
        var toId = RequestFields.GetUInt32(request, "to_node_id");

        // §3.5: checked only when the sender has a key; the texts are this request's own.
        if (registry.State.PublicKeyOf(fromId) is { } key)
        {
            var signature = RequestFields.GetString(request, "signature");
            if (signature.Length == 0)
            {
                return Response.Failure("handshake request requires signature");
            }

            if (verifier.VerifyNode(key, signature, Challenges.RequestHandshake(fromId, toId), adminTokenValid: false) is not null)
            {
                return Response.Failure("handshake request signature verification failed");
            }
        }

        var justification = RequestFields.GetString(request, "justification");
        await registry.MutateAsync(r => r.RequestHandshake(fromId, toId, justification), static r => r.Sequence, cancellationToken).ConfigureAwait(false);
        return Response.Build("request_handshake_ok", 0, static (w, _) => w.WriteString("status", "delivered"));
    }

    private async ValueTask<Response> PollHandshakesAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var nodeId = RequestFields.GetUInt32(request, "node_id");
        if (await auth.RequireSignatureAsync(request, nodeId, Challenges.PollHandshakes(nodeId)).ConfigureAwait(false) is { } denied)
        {
            return Response.Failure(denied);
        }

        // Polling clears the inboxes, so it is a mutation: the reply is sent only once the clearing is durable. A standby
        // may not write (its log is the primary's), and answering without clearing would hand out the same requests twice.
        if (registry.Store.IsStandby)
        {
            return Response.Failure(StandbyPolicy.RejectionMessage);
        }

        var result = await registry.MutateAsync(r => r.PollHandshakes(nodeId), static r => r.Sequence, cancellationToken).ConfigureAwait(false);
        return Response.Build("poll_handshakes_ok", result, static (w, r) =>
        {
            w.WriteStartArray("requests");
            foreach (var m in r.Requests)
            {
                w.WriteStartObject();
                w.WriteNumber("from_node_id", m.FromNodeId);
                w.WriteString("justification", m.Justification);
                w.WriteNumber("timestamp", Json.Unix(m.Timestamp));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("responses");
            foreach (var m in r.Responses)
            {
                w.WriteStartObject();
                w.WriteNumber("from_node_id", m.FromNodeId);
                w.WriteBoolean("accept", m.Accept);
                w.WriteNumber("timestamp", Json.Unix(m.Timestamp));
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
    }

    private async ValueTask<Response> RespondHandshakeAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var nodeId = RequestFields.GetUInt32(request, "node_id");
        var peerId = RequestFields.GetUInt32(request, "peer_id");
        if (await auth.RequireSignatureAsync(request, nodeId, Challenges.RespondHandshake(nodeId, peerId)).ConfigureAwait(false) is { } denied)
        {
            return Response.Failure(denied);
        }

        var accept = RequestFields.GetBool(request, "accept");
        await registry.MutateAsync(r => r.RespondHandshake(nodeId, peerId, accept), static r => r.Sequence, cancellationToken).ConfigureAwait(false);
        return Response.Build("respond_handshake_ok", (accept, peerId), static (w, s) =>
        {
            w.WriteBoolean("accept", s.accept);
            w.WriteNumber("peer_id", s.peerId);
        });
    }
}

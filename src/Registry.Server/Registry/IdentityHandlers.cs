using System.Text.Json;
using Registry.Server.Dispatch;
using Registry.Server.Protocol;
using Registry.Server.Security;

namespace Registry.Server.Registry;

/// <summary>Key lifecycle and identity (§3.1, §3.3, next tier of §7): set_key_expiry, get_key_info, set_external_id, get_identity.</summary>
/// <remarks>Unlike Go (no WAL for these), key expiry and external id are deltas (kinds 20 and 28) acknowledged once durable.</remarks>
internal sealed class IdentityHandlers(DurableRegistry registry, RequestAuth auth, TimeProvider time)
{
    /// <summary>Go's zero <c>time.Time</c> in RFC 3339: what a key without a known creation time reports as <c>created_at</c>.</summary>
    private const string GoZeroTime = "0001-01-01T00:00:00Z";

    /// <summary>Maps this area's request types.</summary>
    public void Map(RequestDispatcher dispatcher, HandlerGuard guard)
    {
        dispatcher
            .Map("set_key_expiry", guard.Wrap(SetKeyExpiryAsync))
            .Map("get_key_info", guard.Wrap(GetKeyInfoAsync))
            .Map("set_external_id", guard.Wrap(SetExternalIdAsync))
            .Map("get_identity", guard.Wrap(GetIdentityAsync));
    }

    private async ValueTask<Response> SetKeyExpiryAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var nodeId = RequestFields.GetUInt32(request, "node_id");
        if (await auth.RequireSignatureOrAdminAsync(request, nodeId, Challenges.SetKeyExpiry(nodeId)).ConfigureAwait(false) is { } denied)
        {
            return Response.Failure(denied);
        }

        // Core checks the enterprise membership and the time rules ("" or "never" clears).
        var expiresAt = RequestFields.GetString(request, "expires_at");
        var result = await registry.MutateAsync(r => r.SetKeyExpiry(nodeId, expiresAt), static r => r.Sequence, cancellationToken).ConfigureAwait(false);
        return Response.Build("set_key_expiry_ok", result, static (w, r) =>
        {
            if (r.ExpiresAt is { } expires)
            {
                w.WriteString("expires_at", Json.Rfc3339(expires));
            }

            w.WriteNumber("node_id", r.NodeId);
        });
    }

    private async ValueTask<Response> GetKeyInfoAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var nodeId = RequestFields.GetUInt32(request, "node_id");
        var key = await registry.ReadAsync(r => r.GetKeyInfo(nodeId), cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        return Response.Build("get_key_info_ok", (key, now), static (w, s) =>
        {
            var key = s.key;
            w.WriteString("created_at", key.Created is { } created ? Json.Rfc3339(created) : GoZeroTime);
            if (key.Expires is { } expires)
            {
                w.WriteString("expires_at", Json.Rfc3339(expires));
            }

            if (key.AgeDays(s.now) is { } days)
            {
                w.WriteNumber("key_age_days", days);
            }

            w.WriteNumber("node_id", key.NodeId);
            w.WriteNumber("rotate_count", key.RotateCount);
            if (key.Rotated is { } rotated)
            {
                w.WriteString("rotated_at", Json.Rfc3339(rotated));
            }
        });
    }

    private async ValueTask<Response> SetExternalIdAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        if (auth.RequireAdmin(request) is { } denied)
        {
            return Response.Failure(denied);
        }

        var nodeId = RequestFields.GetUInt32(request, "node_id");
        var externalId = RequestFields.GetString(request, "external_id");
        await registry.MutateAsync(r => r.SetExternalId(nodeId, externalId), static r => r.Sequence, cancellationToken).ConfigureAwait(false);
        return Response.Build("set_external_id_ok", (nodeId, externalId), static (w, s) =>
        {
            w.WriteString("external_id", s.externalId);
            w.WriteNumber("node_id", s.nodeId);
        });
    }

    private async ValueTask<Response> GetIdentityAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        // A: the external id links a node to a person in the identity provider, so only the operator may read it.
        if (auth.RequireAdmin(request) is { } denied)
        {
            return Response.Failure(denied);
        }

        var nodeId = RequestFields.GetUInt32(request, "node_id");
        var node = await registry.ReadAsync(r => r.Lookup(nodeId), cancellationToken).ConfigureAwait(false);
        if (node is null)
        {
            return Response.Failure(RequestAuth.NotFound(nodeId));
        }

        return Response.Build("get_identity_ok", node, static (w, n) =>
        {
            w.WriteString("external_id", n.ExternalId);
            w.WriteNumber("node_id", n.Id);
            w.WriteString("owner", n.Owner);
        });
    }
}

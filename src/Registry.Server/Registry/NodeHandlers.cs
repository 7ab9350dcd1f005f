using System.Text.Json;
using Registry.Core;
using Registry.Server.Dispatch;
using Registry.Server.Protocol;
using Registry.Server.Security;

namespace Registry.Server.Registry;

/// <summary>Node lifecycle and node settings (§3.1, §3.3): register, heartbeat, deregister, rotate_key, set_visibility, set_hostname, set_tags, set_task_exec.</summary>
/// <remarks>Every mutation returns only after <c>DurableRegistry.MutateAsync</c> has its delta acknowledged.</remarks>
internal sealed class NodeHandlers(DurableRegistry registry, RequestAuth auth, TimeProvider time, PerIpLimits limits, RecentVerifications recent)
{
    /// <summary>The protocol version this server speaks (§3.1).</summary>
    public const int ProtocolVersion = 1;

    /// <summary>Maps this area's request types.</summary>
    public void Map(RequestDispatcher dispatcher, HandlerGuard guard)
    {
        dispatcher
            .Map("register", guard.Wrap(RegisterAsync), bounded: true)
            .Map("heartbeat", guard.Wrap(HeartbeatAsync), bounded: true)
            .Map("deregister", guard.Wrap(DeregisterAsync), bounded: true)
            .Map("rotate_key", guard.Wrap(RotateKeyAsync))
            .Map("set_visibility", guard.Wrap(SetVisibilityAsync), bounded: true)
            .Map("set_hostname", guard.Wrap(SetHostnameAsync), bounded: true)
            .Map("set_tags", guard.Wrap(SetTagsAsync), bounded: true)
            .Map("set_task_exec", guard.Wrap(SetTaskExecAsync));
    }

    private async ValueTask<Response> RegisterAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        // Opt-in per-IP bucket ([M], §1.4; off by default). Unlike [M], re-registering a known key is not exempt.
        if (limits.Registrations is { } bucket && !bucket.TryAcquire(context.RemoteEndPoint.Address))
        {
            return Response.Failure($"rate limited: too many registrations from {context.RemoteEndPoint.Address}");
        }

        var observed = ObservedAddress.Derive(RequestFields.GetString(request, "listen_addr"), context.RemoteEndPoint);
        var registration = new RegisterRequest
        {
            PublicKey = RequestFields.GetString(request, "public_key"),
            Owner = RequestFields.GetString(request, "owner"),
            RealAddr = observed,
            Hostname = RequestFields.GetString(request, "hostname"),
            LanAddrs = RequestFields.GetStringArray(request, "lan_addrs"),
            Version = RequestFields.GetString(request, "version"),
            RelayOnly = RequestFields.GetBool(request, "relay_only"),
        };
        var result = await registry.MutateAsync(registration, static (r, request) => r.Register(request), static r => r.Sequence, cancellationToken).ConfigureAwait(false);
        return Response.Build("register_ok", (result, observed), static (w, s) =>
        {
            w.WriteNumber("node_id", s.result.NodeId);
            w.WriteNumber("network_id", 0);
            w.WriteString("address", s.result.Address);
            w.WriteString("public_key", s.result.PublicKey);
            if (s.result.Hostname.Length > 0)
            {
                w.WriteString("hostname", s.result.Hostname);
            }

            if (s.result.HostnameError is { } error)
            {
                w.WriteString("hostname_error", error);
            }

            w.WriteString("observed_addr", s.observed);
            w.WriteNumber("protocol_version", ProtocolVersion);
        });
    }

    private async ValueTask<Response> HeartbeatAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var nodeId = RequestFields.GetUInt32(request, "node_id");

        // Opt-in verify-skip (Registry:HeartbeatVerifySkip, default off): a node verified within the window is trusted.
        if (!recent.IsFresh(nodeId))
        {
            if (await auth.RequireSignatureAsync(request, nodeId, Challenges.Heartbeat(nodeId)).ConfigureAwait(false) is { } denied)
            {
                return Response.Failure(denied);
            }

            recent.MarkVerified(nodeId);
        }

        var result = await BeatAsync(nodeId, cancellationToken).ConfigureAwait(false);

        // Go's exact bytes: the optional warning sorts before "time", both before "type".
        return Response.Build("heartbeat_ok", result, static (w, r) =>
        {
            if (r.KeyExpiryWarning)
            {
                w.WriteBoolean("key_expiry_warning", true);
            }

            w.WriteNumber("time", r.Time.ToUnixTimeSeconds());
        });
    }

    /// <summary>Records a heartbeat of an authenticated node, for both protocols (the binary one in <see cref="BinaryHandlers"/>).</summary>
    internal ValueTask<HeartbeatResult> BeatAsync(uint nodeId, CancellationToken cancellationToken) =>
        // A standby serves heartbeats (§5) but must not write: its log is the primary's, record for record, so a local
        // delta would fork it. It answers from the replicated state; last_seen is the primary's business.
        registry.Store.IsStandby
            ? ValueTask.FromResult(StandbyHeartbeat(nodeId))
            : registry.MutateAsync(nodeId, static (r, id) => r.Heartbeat(id), static r => r.Sequence, cancellationToken);

    private HeartbeatResult StandbyHeartbeat(uint nodeId)
    {
        var node = registry.State.Lookup(nodeId) ?? throw new RegistryException(RegistryErrorCode.NodeNotFound, RequestAuth.NotFound(nodeId));
        var now = time.GetUtcNow();
        if (node.Key.Expires is { } expires && expires <= now)
        {
            throw new RegistryException(RegistryErrorCode.KeyExpired, $"node {nodeId}: key expired at {Json.Rfc3339(expires)}");
        }

        return new HeartbeatResult(now, node.Key.Expires is { } soon && soon - now <= TimeSpan.FromHours(24), 0);
    }

    private async ValueTask<Response> DeregisterAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var nodeId = RequestFields.GetUInt32(request, "node_id");
        if (await auth.RequireSignatureOrAdminAsync(request, nodeId, Challenges.Deregister(nodeId)).ConfigureAwait(false) is { } denied)
        {
            // An unknown node is not an error for deregister (§3.1).
            return string.Equals(denied, RequestAuth.NotFound(nodeId), StringComparison.Ordinal) ? Response.Ok("deregister_ok") : Response.Failure(denied);
        }

        recent.Forget(nodeId);
        await registry.MutateAsync(r => r.Deregister(nodeId), static r => r.Sequence, cancellationToken).ConfigureAwait(false);
        return Response.Ok("deregister_ok");
    }

    private async ValueTask<Response> RotateKeyAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var nodeId = RequestFields.GetUInt32(request, "node_id");
        var signature = RequestFields.GetString(request, "signature");
        var newKey = RequestFields.GetString(request, "new_public_key");
        if (signature.Length == 0)
        {
            return Response.Failure("rotate_key requires a valid signature");
        }

        if (newKey.Length == 0)
        {
            return Response.Failure("rotate_key requires new_public_key");
        }

        if (SignatureVerifier.ValidatePublicKey(newKey) is { } invalid)
        {
            return Response.Failure("invalid new_public_key: " + invalid[SignatureVerifier.InvalidPublicKey.Length..]);
        }

        // Signed by the current key, no admin bypass: only the key holder may hand the identity to another key.
        var current = registry.State.PublicKeyOf(nodeId);
        if (current is null)
        {
            return Response.Failure(RequestAuth.NotFound(nodeId));
        }

        if (auth.VerifyWithKey(current, signature, Challenges.RotateKey(nodeId, newKey)) is { } denied)
        {
            return Response.Failure(denied);
        }

        recent.Forget(nodeId);
        var result = await registry.MutateAsync(r => r.RotateKey(nodeId, newKey, current), static r => r.Sequence, cancellationToken).ConfigureAwait(false);
        return Response.Build("rotate_key_ok", result, static (w, r) =>
        {
            w.WriteNumber("node_id", r.NodeId);
            w.WriteString("address", r.Address);
            w.WriteString("public_key", r.PublicKey);
        });
    }

    private async ValueTask<Response> SetVisibilityAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var nodeId = RequestFields.GetUInt32(request, "node_id");
        if (await auth.RequireSignatureOrAdminAsync(request, nodeId, Challenges.SetVisibility(nodeId)).ConfigureAwait(false) is { } denied)
        {
            return Response.Failure(denied);
        }

        var isPublic = RequestFields.GetBool(request, "public");
        await registry.MutateAsync(r => r.SetVisibility(nodeId, isPublic), static r => r.Sequence, cancellationToken).ConfigureAwait(false);
        return Response.Build("set_visibility_ok", (nodeId, isPublic), static (w, s) =>
        {
            w.WriteNumber("node_id", s.nodeId);
            w.WriteString("visibility", s.isPublic ? "public" : "private");
        });
    }

    private async ValueTask<Response> SetHostnameAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var nodeId = RequestFields.GetUInt32(request, "node_id");
        if (await auth.RequireSignatureOrAdminAsync(request, nodeId, Challenges.SetHostname(nodeId)).ConfigureAwait(false) is { } denied)
        {
            return Response.Failure(denied);
        }

        var hostname = RequestFields.GetString(request, "hostname");
        var result = await registry.MutateAsync(r => r.SetHostname(nodeId, hostname), static r => r.Sequence, cancellationToken).ConfigureAwait(false);
        return Response.Build("set_hostname_ok", result, static (w, r) =>
        {
            w.WriteNumber("node_id", r.NodeId);
            w.WriteString("hostname", r.Hostname);
        });
    }

    private async ValueTask<Response> SetTagsAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var nodeId = RequestFields.GetUInt32(request, "node_id");
        if (await auth.RequireSignatureOrAdminAsync(request, nodeId, Challenges.SetTags(nodeId)).ConfigureAwait(false) is { } denied)
        {
            return Response.Failure(denied);
        }

        var tags = RequestFields.GetStringArray(request, "tags");
        var result = await registry.MutateAsync((nodeId, tags), static (r, s) => r.SetTags(s.nodeId, s.tags), static r => r.Sequence, cancellationToken).ConfigureAwait(false);
        return Response.Build("set_tags_ok", result, static (w, r) =>
        {
            w.WriteNumber("node_id", r.NodeId);
            Json.WriteStrings(w, "tags", r.Tags);
        });
    }

    private async ValueTask<Response> SetTaskExecAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var nodeId = RequestFields.GetUInt32(request, "node_id");
        if (await auth.RequireSignatureOrAdminAsync(request, nodeId, Challenges.SetTaskExec(nodeId)).ConfigureAwait(false) is { } denied)
        {
            return Response.Failure(denied);
        }

        var enabled = RequestFields.GetBool(request, "enabled");
        await registry.MutateAsync(r => r.SetTaskExec(nodeId, enabled), static r => r.Sequence, cancellationToken).ConfigureAwait(false);
        return Response.Build("set_task_exec_ok", (nodeId, enabled), static (w, s) =>
        {
            w.WriteNumber("node_id", s.nodeId);
            w.WriteBoolean("task_exec", s.enabled);
        });
    }
}

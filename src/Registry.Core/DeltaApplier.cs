using Registry.Persistence.Deltas;
using Registry.Persistence.Deltas.Payloads;

namespace Registry.Core;

/// <summary>Applies one logged delta to <see cref="RegistryState"/>; the single code path for live mutations and replay.</summary>
/// <remarks>
/// Deterministic: every value comes from the payload. The one exception is Go's rule for a Go-written register or
/// network-create entry whose time is missing or unparsable, which uses <c>fallbackNow</c> (format-spec §3.3); our
/// own entries always carry their times. Kinds 1, 2, 9, 10, 11, 12 and 14 follow format-spec §3.3; ours carry
/// resulting values, so applying one twice leaves the state as after once (Go-written key rotations excepted: they
/// increment). An entry that cannot be applied throws <see cref="InvalidDeltaException"/> before changing anything.
/// </remarks>
internal static partial class DeltaApplier
{
    /// <summary>Applies the entry; returns false when the kind is ignored (unknown, or not applied in <paramref name="goKindsOnly"/> mode).</summary>
    public static bool Apply(RegistryState state, in DeltaEntry entry, bool goKindsOnly, DateTimeOffset fallbackNow) =>
        Apply(state, entry, decoded: null, goKindsOnly, fallbackNow);

    /// <summary>As <see cref="Apply(RegistryState, in DeltaEntry, bool, DateTimeOffset)"/>, taking the payload from <paramref name="decoded"/> when it is the entry's payload object.</summary>
    public static bool Apply(RegistryState state, in DeltaEntry entry, object? decoded, bool goKindsOnly, DateTimeOffset fallbackNow)
    {
        var payload = new PayloadSource(entry.Data.Span, decoded);
        try
        {
            switch (entry.Type)
            {
                case DeltaType.Register: ApplyRegister(state, payload.Get<RegisterDelta>(), fallbackNow); return true;
                case DeltaType.Deregister: ApplyDeregister(state, payload.Get<DeregisterDelta>().NodeId); return true;
                case DeltaType.NetworkCreate: ApplyNetworkCreate(state, payload.Get<NetworkCreateDelta>(), fallbackNow); return true;
                case DeltaType.NetworkJoin: ApplyJoin(state, payload.Get<NetworkMembershipDelta>()); return true;
                case DeltaType.NetworkLeave: ApplyLeave(state, payload.Get<NetworkMembershipDelta>()); return true;
                case DeltaType.KeyRotation: ApplyKeyRotation(state, payload.Get<KeyRotationDelta>()); return true;
                case DeltaType.NetworkDelete: ApplyNetworkDelete(state, payload.Get<NetworkDeleteDelta>().NetworkId); return true;
                default:
                    return !goKindsOnly && ApplyOwnKind(state, entry.Type, payload);
            }
        }
        catch (DeltaPayloadException ex)
        {
            throw new InvalidDeltaException($"{entry.Type} delta (seq {entry.SeqNo}): {ex.Message}", ex);
        }
    }

    private static bool ApplyOwnKind(RegistryState state, DeltaType type, PayloadSource payload)
    {
        switch (type)
        {
            case DeltaType.Heartbeat:
                var heartbeat = payload.Get<HeartbeatDelta>();
                if (state.TryGetMutableNode(heartbeat.NodeId, out var beating))
                {
                    beating.LastSeen = RequireTime(heartbeat.LastSeen, "heartbeat last_seen");
                }

                return true;
            case DeltaType.Visibility:
                var visibility = payload.Get<VisibilityDelta>();
                WithNode(state, visibility.NodeId, n => n.Public = visibility.Public);
                return true;
            case DeltaType.Hostname:
                var hostname = payload.Get<HostnameDelta>();
                if (state.TryGetMutableNode(hostname.NodeId, out var named))
                {
                    SetHostname(state, named, hostname.Hostname);
                }

                return true;
            case DeltaType.Tags:
                var tags = payload.Get<TagsDelta>();
                WithNode(state, tags.NodeId, n => n.Tags = [.. tags.Tags]);
                return true;
            case DeltaType.TaskExec:
                var taskExec = payload.Get<TaskExecDelta>();
                WithNode(state, taskExec.NodeId, n => n.TaskExec = taskExec.TaskExec);
                return true;
            case DeltaType.TrustAdd:
                var added = payload.Get<TrustPairDelta>();
                state.TrustPairs.Add(RegistryState.Pair(added.NodeA, added.NodeB));
                return true;
            case DeltaType.TrustRevoke:
                var revoked = payload.Get<TrustPairDelta>();
                state.TrustPairs.Remove(RegistryState.Pair(revoked.NodeA, revoked.NodeB));
                return true;
            case DeltaType.NodeUpdate: ApplyNodeUpdate(state, payload.Get<NodeUpdateDelta>()); return true;
            case DeltaType.Reap: ApplyReap(state, payload.Get<ReapDelta>().NodeId); return true;
            case DeltaType.HandshakeRequest: ApplyHandshakeRequest(state, payload.Get<HandshakeRequestDelta>()); return true;
            case DeltaType.HandshakeResponse: ApplyHandshakeResponse(state, payload.Get<HandshakeResponseDelta>()); return true;
            case DeltaType.HandshakePoll:
                var poll = payload.Get<HandshakePollDelta>();
                state.HandshakeInbox.Remove(poll.NodeId);
                state.HandshakeResponses.Remove(poll.NodeId);
                return true;
            default:
                return ApplyNextTierKind(state, type, payload);
        }
    }

    /// <summary>The membership of every newly registered node, shared: a node's list is replaced on a change, never changed in place, and one object less per node is one less for every young collection to copy while the registry grows.</summary>
    private static readonly IReadOnlyList<ushort> BackboneOnly = [RegistryState.BackboneId];

    private static void ApplyRegister(RegistryState state, RegisterDelta d, DateTimeOffset fallbackNow)
    {
        if (d.NodeId == 0)
        {
            throw new InvalidDeltaException("register delta: node_id is 0");
        }

        if (d.PublicKey.Length == 0)
        {
            throw new InvalidDeltaException($"register delta for node {d.NodeId}: public_key is empty");
        }

        if (!Validation.IsBase64(d.PublicKey))
        {
            throw new InvalidDeltaException($"register delta for node {d.NodeId}: public_key is not valid base64");
        }

        if (state.Nodes.ContainsKey(d.NodeId))
        {
            return;
        }

        var created = Times.Parse(d.CreatedAt) ?? fallbackNow;
        var node = new NodeState
        {
            Id = d.NodeId,
            PublicKey = d.PublicKey,
            Owner = d.Owner ?? string.Empty,
            RealAddr = d.RealAddr ?? string.Empty,
            LanAddrs = d.LanAddrs is null ? [] : [.. d.LanAddrs],
            Networks = BackboneOnly,
            Version = d.Version ?? string.Empty,
            RelayOnly = d.RelayOnly,
            LastSeen = created,
            KeyCreated = created,
        };
        state.Nodes.Add(node.Id, node);
        state.KeyIndex[node.PublicKey] = node.Id;
        if (node.Owner.Length > 0)
        {
            state.OwnerIndex[node.Owner] = node.Id;
        }

        SetHostname(state, node, d.Hostname ?? string.Empty);

        // On a Go fresh start the backbone is created after replay, so it may be absent here (format-spec §1 step 4).
        if (state.Networks.TryGetValue(RegistryState.BackboneId, out var backbone))
        {
            backbone.Members.Add(node.Id);
        }

        state.NextNode = Math.Max(state.NextNode, unchecked(node.Id + 1));
    }

    private static void ApplyDeregister(RegistryState state, uint nodeId)
    {
        if (!state.Nodes.Remove(nodeId, out var node))
        {
            return;
        }

        // Go's replay drops the key and owner index entries (format-spec §3.3), unlike Go's live handler; we follow
        // the replay rule for both so that live and replay agree: a deregistered key registers as a new node.
        RemoveIndex(state.KeyIndex, node.PublicKey, nodeId);
        RemoveIndex(state.OwnerIndex, node.Owner, nodeId);
        RemoveIndex(state.HostnameIndex, node.Hostname, nodeId);
        foreach (var netId in node.Networks)
        {
            if (state.Networks.TryGetValue(netId, out var net))
            {
                net.Members.Remove(nodeId);
                net.MemberRoles.Remove(nodeId);
            }
        }

        // Its own invite inbox and the invites it sent go with it (wire-protocol §3.1).
        state.InviteInbox.Remove(nodeId);
        foreach (var inbox in state.InviteInbox.Values)
        {
            inbox.RemoveAll(i => i.InviterId == nodeId);
        }
    }

    private static void ApplyKeyRotation(RegistryState state, KeyRotationDelta d)
    {
        if (d.NodeId == 0 || d.NewPublicKey.Length == 0 || !Validation.IsBase64(d.NewPublicKey))
        {
            throw new InvalidDeltaException($"key rotation delta for node {d.NodeId}: node_id is 0 or new_public_key is empty or not valid base64");
        }

        if (!state.TryGetMutableNode(d.NodeId, out var node))
        {
            return;
        }

        RemoveIndex(state.KeyIndex, node.PublicKey, node.Id);
        node.PublicKey = d.NewPublicKey;
        state.KeyIndex[node.PublicKey] = node.Id;
        if (Times.Parse(d.RotatedAt) is { } rotated)
        {
            node.KeyRotated = rotated;
        }

        // Ours carry the resulting count (set semantics); Go-written entries lack it and increment, as Go does.
        node.KeyRotateCount = d.KeyRotCount ?? node.KeyRotateCount + 1;
        if (Times.Parse(d.LastSeen) is { } lastSeen)
        {
            node.LastSeen = lastSeen;
        }
    }

    private static void ApplyNodeUpdate(RegistryState state, NodeUpdateDelta d)
    {
        if (d.NodeId == 0 || !Validation.IsBase64(d.PublicKey) || d.PublicKey.Length == 0)
        {
            throw new InvalidDeltaException($"node update delta for node {d.NodeId}: node_id is 0 or public_key is empty or not valid base64");
        }

        // Every check comes before the first change: a rejected entry must leave the state as it was.
        var lastSeen = RequireTime(d.LastSeen, "node update last_seen");

        if (!state.TryGetMutableNode(d.NodeId, out var node))
        {
            // A reaped node left its key and owner indexed; after a key recovery the old key must not open the id again.
            if (state.Reaped.Remove(d.NodeId, out var stale))
            {
                RemoveIndex(state.KeyIndex, stale.Key, d.NodeId);
                RemoveIndex(state.OwnerIndex, stale.Owner, d.NodeId);
            }

            node = new NodeState { Id = d.NodeId };
            state.Nodes.Add(node.Id, node);
        }

        RemoveIndex(state.KeyIndex, node.PublicKey, node.Id);
        RemoveIndex(state.OwnerIndex, node.Owner, node.Id);
        node.PublicKey = d.PublicKey;
        node.Owner = d.Owner;
        state.KeyIndex[node.PublicKey] = node.Id;
        if (node.Owner.Length > 0)
        {
            state.OwnerIndex[node.Owner] = node.Id;
        }

        node.RealAddr = d.RealAddr;
        node.LanAddrs = [.. d.LanAddrs];
        node.Version = d.Version;
        node.RelayOnly = d.RelayOnly;
        node.Public = d.Public;
        node.Tags = [.. d.Tags];
        node.TaskExec = d.TaskExec;
        node.KeyCreated = Times.Parse(d.KeyCreated);
        node.KeyRotated = Times.Parse(d.KeyRotated);
        node.KeyRotateCount = d.KeyRotCount;
        node.KeyExpires = Times.Parse(d.KeyExpires);
        node.ExternalId = d.ExternalId;
        node.LastSeen = lastSeen;
        SetHostname(state, node, d.Hostname);
        node.Networks = [.. d.Networks];
        foreach (var netId in node.Networks)
        {
            if (state.Networks.TryGetValue(netId, out var net))
            {
                net.Members.Add(node.Id);
            }
        }

        state.NextNode = Math.Max(state.NextNode, unchecked(node.Id + 1));
    }

    private static void ApplyReap(RegistryState state, uint nodeId)
    {
        if (!state.Nodes.Remove(nodeId, out var node))
        {
            return;
        }

        // Key and owner indexes stay so the same key reclaims the id; other memberships stay (shown offline).
        state.Reaped[nodeId] = (node.PublicKey, node.Owner);
        RemoveIndex(state.HostnameIndex, node.Hostname, nodeId);
        if (state.Networks.TryGetValue(RegistryState.BackboneId, out var backbone))
        {
            backbone.Members.Remove(nodeId);
            backbone.MemberRoles.Remove(nodeId);
        }
    }

    private static void SetHostname(RegistryState state, NodeState node, string hostname)
    {
        RemoveIndex(state.HostnameIndex, node.Hostname, node.Id);
        node.Hostname = hostname;
        if (hostname.Length > 0)
        {
            state.HostnameIndex[hostname] = node.Id;
        }
    }

    private static void RemoveIndex(Dictionary<string, uint> index, string key, uint nodeId)
    {
        // Only drop the entry when it still names this node; another node may have taken the value since.
        if (key.Length > 0 && index.TryGetValue(key, out var owner) && owner == nodeId)
        {
            index.Remove(key);
        }
    }

    private static void WithNode(RegistryState state, uint nodeId, Action<NodeState> change)
    {
        if (state.TryGetMutableNode(nodeId, out var node))
        {
            change(node);
        }
    }

    private static DateTimeOffset RequireTime(string text, string what) =>
        Times.Parse(text) ?? throw new InvalidDeltaException($"{what} \"{text}\" is not an RFC 3339 time");
}

using Registry.Persistence.Deltas.Payloads;

namespace Registry.Core;

/// <summary>The network, membership and handshake kinds of <see cref="DeltaApplier"/>.</summary>
internal static partial class DeltaApplier
{
    private static void ApplyNetworkCreate(RegistryState state, NetworkCreateDelta d, DateTimeOffset fallbackNow)
    {
        if (state.Networks.ContainsKey(d.NetworkId))
        {
            return;
        }

        var net = new NetworkState
        {
            Id = d.NetworkId,
            Name = d.Name,
            JoinRule = d.JoinRule,
            Token = d.Token ?? string.Empty,
            AdminToken = d.AdminToken ?? string.Empty,
            Enterprise = d.Enterprise,
            Created = Times.Parse(d.CreatedAt) ?? fallbackNow,
            Rules = RawOrNull(d.Rules),
            ExprPolicy = RawOrNull(d.ExprPolicy),
            Policy = d.Policy is { } p ? new NetworkPolicy(p.MaxMembers, [.. p.AllowedPorts], p.Description) : null,
        };
        state.Networks.Add(net.Id, net);
        if (d.CreatorNodeId != 0)
        {
            // Go adds the creator as owner even when the node is unknown; only the node's own list needs the node.
            net.Members.Add(d.CreatorNodeId);
            net.MemberRoles[d.CreatorNodeId] = MemberRoles.Owner;
            if (state.TryGetMutableNode(d.CreatorNodeId, out var creator) && !creator.Networks.Contains(net.Id))
            {
                creator.Networks = [.. creator.Networks, net.Id];
            }
        }

        // uint16 arithmetic as in Go: 65535 + 1 wraps to 0, so the maximum keeps the old value.
        state.NextNet = Math.Max(state.NextNet, unchecked((ushort)(d.NetworkId + 1)));
    }

    private static void ApplyNetworkDelete(RegistryState state, ushort networkId)
    {
        if (!state.Networks.Remove(networkId, out var net))
        {
            return;
        }

        foreach (var member in net.Members)
        {
            if (state.TryGetMutableNode(member, out var node))
            {
                node.Networks = Without(node.Networks, networkId);
            }
        }

        foreach (var inbox in state.InviteInbox.Values)
        {
            inbox.RemoveAll(i => i.NetworkId == networkId);
        }
    }

    private static void ApplyJoin(RegistryState state, NetworkMembershipDelta d)
    {
        if (!state.Networks.TryGetValue(d.NetworkId, out var net) || !state.TryGetMutableNode(d.NodeId, out var node))
        {
            return;
        }

        if (net.Members.Add(d.NodeId))
        {
            net.MemberRoles[d.NodeId] = MemberRoles.Member;
        }

        if (!node.Networks.Contains(d.NetworkId))
        {
            node.Networks = [.. node.Networks, d.NetworkId];
        }

        // An accepted membership consumes any invitation to it.
        if (state.InviteInbox.TryGetValue(d.NodeId, out var invites))
        {
            invites.RemoveAll(i => i.NetworkId == d.NetworkId);
        }
    }

    private static void ApplyLeave(RegistryState state, NetworkMembershipDelta d)
    {
        if (!state.Networks.TryGetValue(d.NetworkId, out var net) || !state.TryGetMutableNode(d.NodeId, out var node))
        {
            return;
        }

        net.Members.Remove(d.NodeId);
        net.MemberRoles.Remove(d.NodeId);
        node.Networks = Without(node.Networks, d.NetworkId);
        if (state.InviteInbox.TryGetValue(d.NodeId, out var invites))
        {
            invites.RemoveAll(i => i.NetworkId == d.NetworkId);
        }
    }

    private static void ApplyHandshakeRequest(RegistryState state, HandshakeRequestDelta d)
    {
        var message = new HandshakeRequestMessage(d.FromNodeId, d.Justification, RequireTime(d.Timestamp, "handshake request timestamp"));
        if (!state.HandshakeInbox.TryGetValue(d.ToNodeId, out var inbox))
        {
            inbox = [];
            state.HandshakeInbox.Add(d.ToNodeId, inbox);
        }

        // The same message applied again (replay overlap) must not queue twice.
        if (!inbox.Contains(message))
        {
            inbox.Add(message);
        }

        state.PendingHandshakes.Add((d.ToNodeId, d.FromNodeId));
    }

    private static void ApplyHandshakeResponse(RegistryState state, HandshakeResponseDelta d)
    {
        var message = new HandshakeResponseMessage(d.NodeId, d.Accept, RequireTime(d.Timestamp, "handshake response timestamp"));
        state.PendingHandshakes.Remove((d.NodeId, d.PeerId));
        if (d.Accept)
        {
            state.TrustPairs.Add(RegistryState.Pair(d.NodeId, d.PeerId));
        }

        if (!state.HandshakeResponses.TryGetValue(d.PeerId, out var inbox))
        {
            inbox = [];
            state.HandshakeResponses.Add(d.PeerId, inbox);
        }

        if (!inbox.Contains(message))
        {
            inbox.Add(message);
        }
    }

    /// <summary>The list without one value; node lists are replaced, never changed in place (see <see cref="NodeState"/>).</summary>
    private static ushort[] Without(IReadOnlyList<ushort> networks, ushort networkId) => [.. networks.Where(id => id != networkId)];
}

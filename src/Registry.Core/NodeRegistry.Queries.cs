using System.Security.Cryptography;
using System.Text;

namespace Registry.Core;

/// <summary>Read-only queries (wire-protocol §3.2 and helpers the server needs for authorization).</summary>
public sealed partial class NodeRegistry
{
    /// <summary>The node's record, or null when it is not registered.</summary>
    public NodeInfo? Lookup(uint nodeId)
    {
        lock (_lock)
        {
            return _state.Nodes.TryGetValue(nodeId, out var node) ? NodeInfo.From(node) : null;
        }
    }

    /// <summary>The node's public key (base64), or null; for the server's signature checks.</summary>
    public string? PublicKeyOf(uint nodeId)
    {
        lock (_lock)
        {
            return _state.Nodes.TryGetValue(nodeId, out var node) && node.PublicKey.Length > 0 ? node.PublicKey : null;
        }
    }

    /// <summary>Resolves a node for a requester: allowed when the target is public, the two trust each other, or they share a non-backbone network.</summary>
    /// <exception cref="RegistryException">The requester or target is unknown, or the target is private to the requester.</exception>
    public NodeInfo Resolve(uint nodeId, uint requesterId)
    {
        lock (_lock)
        {
            if (!_state.Nodes.ContainsKey(requesterId))
            {
                throw new RegistryException(RegistryErrorCode.ResolveDenied, $"resolve denied: requester node {requesterId} is not registered");
            }

            var node = RequireNode(nodeId);
            if (!CanSee(requesterId, node))
            {
                throw new RegistryException(RegistryErrorCode.ResolveDenied, $"resolve denied: node {nodeId} is private (establish mutual trust first)");
            }

            return NodeInfo.From(node);
        }
    }

    /// <summary>Finds a node by hostname, visible under the same rules as <see cref="Resolve"/> (a private node also sees itself).</summary>
    /// <exception cref="RegistryException">Empty hostname, or no visible node has it.</exception>
    public NodeInfo ResolveHostname(string hostname, uint requesterId)
    {
        if (string.IsNullOrEmpty(hostname))
        {
            throw new RegistryException(RegistryErrorCode.HostnameRequired, "hostname required");
        }

        lock (_lock)
        {
            if (_state.HostnameIndex.TryGetValue(hostname, out var id) && _state.Nodes.TryGetValue(id, out var node) && CanSee(requesterId, node))
            {
                return NodeInfo.From(node);
            }

            throw new RegistryException(RegistryErrorCode.HostnameNotFound, $"hostname \"{hostname}\" not found");
        }
    }

    /// <summary>The members of a network in join order, with their records (null for members whose node is gone).</summary>
    /// <exception cref="RegistryException">Unknown network.</exception>
    public IReadOnlyList<NetworkMember> ListNodes(ushort networkId)
    {
        lock (_lock)
        {
            var net = RequireNetwork(networkId);
            return [.. net.Members.Select(id => new NetworkMember(
                id,
                _state.Nodes.TryGetValue(id, out var node) ? NodeInfo.From(node) : null,
                net.MemberRoles.GetValueOrDefault(id),
                net.MemberTags.TryGetValue(id, out var tags) ? [.. tags] : []))];
        }
    }

    /// <summary>All networks, backbone included, by id.</summary>
    public IReadOnlyList<NetworkInfo> ListNetworks()
    {
        lock (_lock)
        {
            return [.. _state.Networks.Values.OrderBy(n => n.Id).Select(NetworkInfo.From)];
        }
    }

    /// <summary>The network's record, or null.</summary>
    public NetworkInfo? GetNetwork(ushort networkId)
    {
        lock (_lock)
        {
            return _state.Networks.TryGetValue(networkId, out var net) ? NetworkInfo.From(net) : null;
        }
    }

    /// <summary>Whether two nodes trust each other: a trust pair exists or they share a non-backbone network.</summary>
    public bool CheckTrust(uint nodeId, uint peerId)
    {
        lock (_lock)
        {
            return _state.TrustPairs.Contains(RegistryState.Pair(nodeId, peerId)) || _state.SharesNonBackboneNetwork(nodeId, peerId);
        }
    }

    /// <summary>The node's key lifecycle data.</summary>
    /// <exception cref="RegistryException">Unknown node.</exception>
    public KeyInfo GetKeyInfo(uint nodeId)
    {
        lock (_lock)
        {
            return NodeInfo.From(RequireNode(nodeId)).Key;
        }
    }

    /// <summary>The node's role in the network ("owner", "admin", "member"), or null when it has none or the network is unknown.</summary>
    public string? RoleOf(uint nodeId, ushort networkId)
    {
        lock (_lock)
        {
            return _state.Networks.TryGetValue(networkId, out var net) ? net.MemberRoles.GetValueOrDefault(nodeId) : null;
        }
    }

    /// <summary>A member's role in the network (<c>get_member_role</c>); empty for a member without one (enterprise features turned off).</summary>
    /// <exception cref="RegistryException">Unknown network, or the node is not a member.</exception>
    public string MemberRole(ushort networkId, uint nodeId)
    {
        lock (_lock)
        {
            var net = RequireNetwork(networkId);
            RequireMember(net, nodeId);
            return net.MemberRoles.GetValueOrDefault(nodeId) ?? string.Empty;
        }
    }

    /// <summary>One node's tags in a network (<c>get_member_tags</c>); empty when it has none.</summary>
    /// <remarks>No membership check: member tags outlive a deregistration (format-spec §3.3), so they stay readable.</remarks>
    /// <exception cref="RegistryException">Unknown network.</exception>
    public IReadOnlyList<string> MemberTagsOf(ushort networkId, uint nodeId)
    {
        lock (_lock)
        {
            return RequireNetwork(networkId).MemberTags.TryGetValue(nodeId, out var tags) ? [.. tags] : [];
        }
    }

    /// <summary>Every member tag list of a network, by node id ascending (<c>get_member_tags</c> with no target).</summary>
    /// <exception cref="RegistryException">Unknown network.</exception>
    public IReadOnlyList<KeyValuePair<uint, IReadOnlyList<string>>> AllMemberTags(ushort networkId)
    {
        lock (_lock)
        {
            return [.. RequireNetwork(networkId).MemberTags.OrderBy(p => p.Key).Select(p => KeyValuePair.Create(p.Key, (IReadOnlyList<string>)[.. p.Value]))];
        }
    }

    /// <summary>A network's policy (<c>get_network_policy</c>); a network without one reads as no limit, no ports, no description.</summary>
    /// <exception cref="RegistryException">Unknown network.</exception>
    public NetworkPolicy NetworkPolicyOf(ushort networkId)
    {
        lock (_lock)
        {
            return RequireNetwork(networkId).Policy ?? new NetworkPolicy(0, [], string.Empty);
        }
    }

    /// <summary>A network's expression policy as raw JSON (<c>get_expr_policy</c>), or null when it has none.</summary>
    /// <exception cref="RegistryException">Unknown network.</exception>
    public ReadOnlyMemory<byte>? ExprPolicyOf(ushort networkId)
    {
        lock (_lock)
        {
            return RequireNetwork(networkId).ExprPolicy is { } policy ? (ReadOnlyMemory<byte>?)policy.ToArray() : null;
        }
    }

    /// <summary>A node's unexpired invitations without pruning the expired ones: what <see cref="PollInvites"/> returns, for a standby that may not write.</summary>
    /// <exception cref="RegistryException">Unknown node.</exception>
    public IReadOnlyList<NetworkInvite> PendingInvites(uint nodeId)
    {
        lock (_lock)
        {
            RequireNode(nodeId);
            return ValidInvites(nodeId, Now());
        }
    }

    /// <summary>Whether <paramref name="token"/> is the network's admin token (constant-time; false when the network has none).</summary>
    public bool NetworkAdminTokenMatches(ushort networkId, string? token)
    {
        lock (_lock)
        {
            return _state.Networks.TryGetValue(networkId, out var net) && net.AdminToken.Length > 0 && !string.IsNullOrEmpty(token)
                && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(net.AdminToken));
        }
    }

    /// <summary>Table sizes for metrics and status output.</summary>
    public RegistryCounts GetCounts()
    {
        lock (_lock)
        {
            return new RegistryCounts(_state.NodeCount, _state.NetworkCount, _state.TrustPairCount);
        }
    }

    private bool CanSee(uint requesterId, NodeState target) =>
        target.Public
        || requesterId == target.Id
        || _state.TrustPairs.Contains(RegistryState.Pair(requesterId, target.Id))
        || _state.SharesNonBackboneNetwork(requesterId, target.Id);
}

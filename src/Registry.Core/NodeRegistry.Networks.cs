using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Registry.Persistence.Deltas;
using Registry.Persistence.Deltas.Payloads;

namespace Registry.Core;

/// <summary>Network creation, membership and deletion (wire-protocol §3.4).</summary>
public sealed partial class NodeRegistry
{
    /// <summary>Creates a network; the creating node becomes its owner.</summary>
    /// <exception cref="RegistryException">Unknown node, name rules, duplicate name, join rule, enterprise requirement, bad documents, or id space exhausted.</exception>
    public CreateNetworkResult CreateNetwork(CreateNetworkRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var joinRule = string.IsNullOrEmpty(request.JoinRule) ? JoinRules.Open : request.JoinRule;
        lock (_lock)
        {
            if (!_state.Nodes.ContainsKey(request.NodeId))
            {
                throw new RegistryException(RegistryErrorCode.NodeNotRegistered, $"node {request.NodeId} not registered");
            }

            if (Validation.CheckNetworkName(request.Name) is { } why)
            {
                throw new RegistryException(RegistryErrorCode.InvalidNetworkName, why);
            }

            if (_state.Networks.Values.Any(n => string.Equals(n.Name, request.Name, StringComparison.Ordinal)))
            {
                throw new RegistryException(RegistryErrorCode.NetworkNameInUse, $"network \"{request.Name}\" already exists");
            }

            CheckJoinRule(joinRule, request);
            var rules = ParseDocument(request.Rules, "rules", expr: false);
            var exprPolicy = ParseDocument(request.ExprPolicy, "expr_policy", expr: true);
            var id = _state.NextNet;
            if (id == 0 || _state.Networks.ContainsKey(id))
            {
                throw new RegistryException(RegistryErrorCode.NetworkIdSpaceExhausted, "network ID space exhausted (max 65535 networks)");
            }

            var sequence = Commit(DeltaType.NetworkCreate, 0, new NetworkCreateDelta
            {
                NetworkId = id,
                Name = request.Name,
                JoinRule = joinRule,
                Token = NullIfEmpty(request.Token),
                AdminToken = NullIfEmpty(request.NetworkAdminToken),
                Enterprise = request.Enterprise,
                CreatorNodeId = request.NodeId,
                CreatedAt = Times.Format(Now()),
                Rules = rules,
                ExprPolicy = exprPolicy,
            });
            return new CreateNetworkResult(id, request.Name, request.Enterprise, rules is not null, sequence);
        }
    }

    /// <summary>Adds a node to a network with role member, checking the join rule, token (constant-time) and member limit.</summary>
    /// <exception cref="RegistryException">Backbone, unknown node or network, already a member, invite-only, wrong token, or limit reached.</exception>
    public JoinNetworkResult JoinNetwork(uint nodeId, ushort networkId, string? token)
    {
        if (networkId == RegistryState.BackboneId)
        {
            throw new RegistryException(RegistryErrorCode.BackboneProtected, "cannot join the backbone network");
        }

        lock (_lock)
        {
            RequireNode(nodeId);
            var net = RequireNetwork(networkId);
            if (net.Members.Contains(nodeId))
            {
                throw new RegistryException(RegistryErrorCode.AlreadyMember, $"node {nodeId} already in network {networkId}");
            }

            if (string.Equals(net.JoinRule, JoinRules.Invite, StringComparison.Ordinal))
            {
                throw new RegistryException(RegistryErrorCode.InviteOnly, "invite-only networks require invite_to_network + respond_invite flow");
            }

            if (string.Equals(net.JoinRule, JoinRules.Token, StringComparison.Ordinal) && !TokenMatches(token, net.Token))
            {
                throw new RegistryException(RegistryErrorCode.InvalidToken, $"invalid token for network {networkId}");
            }

            if (net.Policy is { MaxMembers: > 0 } policy && net.Members.Count >= policy.MaxMembers)
            {
                throw new RegistryException(RegistryErrorCode.MembershipLimitReached, "network membership limit reached");
            }

            var sequence = Commit(DeltaType.NetworkJoin, nodeId, new NetworkMembershipDelta { NodeId = nodeId, NetworkId = networkId });
            return new JoinNetworkResult(networkId, NodeAddress.Format(networkId, nodeId), sequence);
        }
    }

    /// <summary>Removes a node from a network (role and invitations to it included).</summary>
    /// <exception cref="RegistryException">Backbone, unknown node or network, not a member, or an enterprise owner.</exception>
    public MutationResult LeaveNetwork(uint nodeId, ushort networkId)
    {
        if (networkId == RegistryState.BackboneId)
        {
            throw new RegistryException(RegistryErrorCode.BackboneProtected, "cannot leave the backbone network");
        }

        lock (_lock)
        {
            RequireNode(nodeId);
            var net = RequireNetwork(networkId);
            if (!net.Members.Contains(nodeId))
            {
                throw new RegistryException(RegistryErrorCode.NotMember, $"node {nodeId} is not a member of network {networkId}");
            }

            if (net.Enterprise && net.MemberRoles.TryGetValue(nodeId, out var role) && string.Equals(role, MemberRoles.Owner, StringComparison.Ordinal))
            {
                throw new RegistryException(RegistryErrorCode.OwnerMustTransfer, "cannot leave network: owner must transfer ownership first");
            }

            return new MutationResult(Commit(DeltaType.NetworkLeave, nodeId, new NetworkMembershipDelta { NodeId = nodeId, NetworkId = networkId }));
        }
    }

    /// <summary>Deletes a network, dropping it from its members and from pending invitations (the caller checked the owner role or admin token).</summary>
    /// <exception cref="RegistryException">Backbone or unknown network.</exception>
    public MutationResult DeleteNetwork(ushort networkId)
    {
        if (networkId == RegistryState.BackboneId)
        {
            throw new RegistryException(RegistryErrorCode.BackboneProtected, "cannot delete the backbone network");
        }

        lock (_lock)
        {
            RequireNetwork(networkId);
            return new MutationResult(Commit(DeltaType.NetworkDelete, 0, new NetworkDeleteDelta { NetworkId = networkId }));
        }
    }

    private static void CheckJoinRule(string joinRule, CreateNetworkRequest request)
    {
        switch (joinRule)
        {
            case JoinRules.Open:
                return;
            case JoinRules.Token when string.IsNullOrEmpty(request.Token):
                throw new RegistryException(RegistryErrorCode.InvalidJoinRule, "join_rule \"token\" requires a token");
            case JoinRules.Token:
                return;
            case JoinRules.Invite when !request.Enterprise:
                throw new RegistryException(RegistryErrorCode.EnterpriseRequired, "enterprise feature: requires enterprise network");
            case JoinRules.Invite:
                return;
            default:
                throw new RegistryException(RegistryErrorCode.InvalidJoinRule, $"invalid join_rule \"{joinRule}\" (want open, token or invite)");
        }
    }

    private static JsonElement? ParseDocument(ReadOnlyMemory<byte>? json, string what, bool expr)
    {
        if (json is not { IsEmpty: false } bytes)
        {
            return null;
        }

        string? why;
        if (expr)
        {
            why = Validation.CheckExprPolicy(bytes.Span);
        }
        else
        {
            // Rules are stored in Go's NetworkRules shape so that snapshots carry them without change.
            var canonical = RulesDocument.Normalize(bytes.Span, out why);
            bytes = canonical ?? bytes;
        }

        if (why is not null)
        {
            throw new RegistryException(expr ? RegistryErrorCode.InvalidExprPolicy : RegistryErrorCode.InvalidRules, why);
        }

        using var doc = JsonDocument.Parse(bytes);
        return doc.RootElement.Clone();
    }

    /// <summary>Constant-time comparison, so the time taken does not reveal how much of a guess matched.</summary>
    private static bool TokenMatches(string? given, string expected) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given ?? string.Empty), Encoding.UTF8.GetBytes(expected));
}

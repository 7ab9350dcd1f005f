using System.Text.Json;
using Registry.Persistence.Deltas;
using Registry.Persistence.Deltas.Payloads;

namespace Registry.Core;

/// <summary>Network settings and RBAC (wire-protocol §3.4, secondary tier). The caller checks who may ask (<see cref="RoleOf"/>, admin tokens).</summary>
public sealed partial class NodeRegistry
{
    private const int MaxPolicyMembers = 10_000;
    private const int MaxAllowedPorts = 100;
    private const int MaxDescriptionLength = 256;

    /// <summary>Renames a network.</summary>
    /// <exception cref="RegistryException">Backbone, unknown network, name rules, or the name is taken.</exception>
    public MutationResult RenameNetwork(ushort networkId, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (networkId == RegistryState.BackboneId)
        {
            throw new RegistryException(RegistryErrorCode.BackboneProtected, "cannot rename the backbone network");
        }

        lock (_lock)
        {
            RequireNetwork(networkId);
            if (Validation.CheckNetworkName(name) is { } why)
            {
                throw new RegistryException(RegistryErrorCode.InvalidNetworkName, why);
            }

            if (_state.Networks.Values.Any(n => n.Id != networkId && string.Equals(n.Name, name, StringComparison.Ordinal)))
            {
                throw new RegistryException(RegistryErrorCode.NetworkNameInUse, $"network \"{name}\" already exists");
            }

            return new MutationResult(Commit(DeltaType.NetworkRename, 0, new NetworkRenameDelta { NetworkId = networkId, Name = name }));
        }
    }

    /// <summary>Turns enterprise features on or off: off drops all roles; on makes the first member without a role the owner when there is none, and gives the others the member role.</summary>
    /// <exception cref="RegistryException">Backbone or unknown network.</exception>
    public MutationResult SetNetworkEnterprise(ushort networkId, bool enterprise)
    {
        if (networkId == RegistryState.BackboneId)
        {
            throw new RegistryException(RegistryErrorCode.BackboneProtected, "cannot change the backbone network");
        }

        lock (_lock)
        {
            var net = RequireNetwork(networkId);
            var roles = new List<MemberRolePayload>();
            if (enterprise)
            {
                var hasOwner = net.MemberRoles.ContainsValue(MemberRoles.Owner);
                foreach (var member in net.Members)
                {
                    var role = net.MemberRoles.GetValueOrDefault(member);
                    if (role is null)
                    {
                        role = hasOwner ? MemberRoles.Member : MemberRoles.Owner;
                        hasOwner = true;
                    }

                    roles.Add(new MemberRolePayload { NodeId = member, Role = role });
                }
            }

            return new MutationResult(Commit(DeltaType.NetworkEnterprise, 0, new NetworkEnterpriseDelta { NetworkId = networkId, Enterprise = enterprise, Roles = roles }));
        }
    }

    /// <summary>Removes a member (not the owner) from an enterprise network.</summary>
    /// <exception cref="RegistryException">Unknown network, not enterprise, not a member, the owner, or the member's node is offline.</exception>
    public MutationResult KickMember(ushort networkId, uint targetNodeId)
    {
        lock (_lock)
        {
            var net = RequireEnterpriseMember(networkId, targetNodeId);
            if (RoleIs(net, targetNodeId, MemberRoles.Owner))
            {
                throw new RegistryException(RegistryErrorCode.CannotKickOwner, "cannot kick the network owner");
            }

            // Leave (kind 11) follows Go's replay rule and ignores a missing node, so an offline member cannot be kicked this way.
            RequireNode(targetNodeId);
            return new MutationResult(Commit(DeltaType.NetworkLeave, targetNodeId, new NetworkMembershipDelta { NodeId = targetNodeId, NetworkId = networkId }));
        }
    }

    /// <summary>Makes a member an admin.</summary>
    /// <exception cref="RegistryException">Unknown network, not enterprise, not a member, or the owner.</exception>
    public RoleResult PromoteMember(ushort networkId, uint targetNodeId) => ChangeRole(networkId, targetNodeId, MemberRoles.Admin);

    /// <summary>Makes an admin a plain member.</summary>
    /// <exception cref="RegistryException">Unknown network, not enterprise, not a member, or the owner.</exception>
    public RoleResult DemoteMember(ushort networkId, uint targetNodeId) => ChangeRole(networkId, targetNodeId, MemberRoles.Member);

    /// <summary>Makes a member the owner; the previous owner becomes an admin.</summary>
    /// <exception cref="RegistryException">No new owner, unknown network, not enterprise, or the new owner is not a member.</exception>
    public TransferResult TransferOwnership(ushort networkId, uint newOwnerId)
    {
        if (newOwnerId == 0)
        {
            throw new RegistryException(RegistryErrorCode.NewOwnerRequired, "transfer_ownership requires new_owner_id");
        }

        lock (_lock)
        {
            var net = RequireEnterpriseMember(networkId, newOwnerId);
            var oldOwner = net.MemberRoles.Where(p => string.Equals(p.Value, MemberRoles.Owner, StringComparison.Ordinal)).Select(p => p.Key).Order().FirstOrDefault();
            var roles = new List<MemberRolePayload>();
            if (oldOwner != 0 && oldOwner != newOwnerId)
            {
                roles.Add(new MemberRolePayload { NodeId = oldOwner, Role = MemberRoles.Admin });
            }

            roles.Add(new MemberRolePayload { NodeId = newOwnerId, Role = MemberRoles.Owner });
            var sequence = Commit(DeltaType.MemberRoles, 0, new MemberRolesDelta { NetworkId = networkId, Roles = roles });
            return new TransferResult(networkId, oldOwner, newOwnerId, sequence);
        }
    }

    /// <summary>Replaces a member's tags in a network (normalized like node tags); an empty list deletes them.</summary>
    /// <exception cref="RegistryException">Unknown network, not a member, or a tag rule broken.</exception>
    public TagsResult SetMemberTags(ushort networkId, uint targetNodeId, IReadOnlyList<string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        lock (_lock)
        {
            var net = RequireNetwork(networkId);
            RequireMember(net, targetNodeId);
            var normalized = Validation.NormalizeTags(tags, out var error);
            if (error is not null)
            {
                throw new RegistryException(RegistryErrorCode.InvalidTags, error);
            }

            var sequence = Commit(DeltaType.MemberTags, targetNodeId, new MemberTagsDelta { NetworkId = networkId, NodeId = targetNodeId, Tags = normalized });
            return new TagsResult(targetNodeId, normalized, sequence);
        }
    }

    /// <summary>Replaces an enterprise network's policy.</summary>
    /// <exception cref="RegistryException">Unknown network, not enterprise, or a value out of range.</exception>
    public MutationResult SetNetworkPolicy(ushort networkId, int maxMembers, IReadOnlyList<int>? allowedPorts, string? description)
    {
        lock (_lock)
        {
            var net = RequireNetwork(networkId);
            RequireEnterprise(net);
            if (maxMembers is < 0 or > MaxPolicyMembers)
            {
                throw new RegistryException(RegistryErrorCode.InvalidPolicy, "invalid max_members: must be between 0 and 10000");
            }

            if (maxMembers != 0 && maxMembers < net.Members.Count)
            {
                throw new RegistryException(RegistryErrorCode.InvalidPolicy, $"invalid max_members: below the current member count ({net.Members.Count})");
            }

            var ports = allowedPorts ?? [];
            if (ports.Count > MaxAllowedPorts)
            {
                throw new RegistryException(RegistryErrorCode.InvalidPolicy, "too many allowed_ports (max 100)");
            }

            foreach (var port in ports)
            {
                if (port is < 1 or > ushort.MaxValue)
                {
                    throw new RegistryException(RegistryErrorCode.InvalidPolicy, $"invalid port {port} in allowed_ports (must be 1-65535)");
                }
            }

            if ((description?.Length ?? 0) > MaxDescriptionLength)
            {
                throw new RegistryException(RegistryErrorCode.InvalidPolicy, "description too long (max 256 chars)");
            }

            return new MutationResult(Commit(DeltaType.NetworkPolicy, 0, new NetworkPolicyDelta
            {
                NetworkId = networkId,
                MaxMembers = maxMembers,
                AllowedPorts = [.. ports.Select(p => (ushort)p)],
                Description = description ?? string.Empty,
            }));
        }
    }

    /// <summary>Sets a network's expression policy (a version-1 object with non-empty <c>rules</c>), or clears it for null, empty or <c>null</c>.</summary>
    /// <exception cref="RegistryException">Unknown network or an invalid document.</exception>
    public ExprPolicyResult SetExprPolicy(ushort networkId, ReadOnlyMemory<byte>? exprPolicy)
    {
        var clear = exprPolicy is not { IsEmpty: false } doc || doc.Span.Trim(" \t\r\n"u8).SequenceEqual("null"u8);
        lock (_lock)
        {
            RequireNetwork(networkId);
            JsonElement? element = null;
            if (!clear)
            {
                var bytes = exprPolicy!.Value;
                if (Validation.CheckExprPolicy(bytes.Span) is { } why)
                {
                    throw new RegistryException(RegistryErrorCode.InvalidExprPolicy, why);
                }

                using var parsed = JsonDocument.Parse(bytes);
                if (!parsed.RootElement.TryGetProperty("rules", out var rules) || rules.ValueKind != JsonValueKind.Array || rules.GetArrayLength() == 0)
                {
                    throw new RegistryException(RegistryErrorCode.InvalidExprPolicy, "invalid expr_policy: rules required");
                }

                element = parsed.RootElement.Clone();
            }

            var sequence = Commit(DeltaType.ExprPolicy, 0, new ExprPolicyDelta { NetworkId = networkId, ExprPolicy = element });
            return new ExprPolicyResult(networkId, clear, sequence);
        }
    }

    private RoleResult ChangeRole(ushort networkId, uint targetNodeId, string role)
    {
        lock (_lock)
        {
            var net = RequireEnterpriseMember(networkId, targetNodeId);
            if (RoleIs(net, targetNodeId, MemberRoles.Owner))
            {
                throw new RegistryException(RegistryErrorCode.OwnerRoleFixed, "cannot change the owner's role (use transfer_ownership)");
            }

            var sequence = Commit(DeltaType.MemberRoles, 0, new MemberRolesDelta { NetworkId = networkId, Roles = [new MemberRolePayload { NodeId = targetNodeId, Role = role }] });
            return new RoleResult(networkId, targetNodeId, role, sequence);
        }
    }

    private NetworkState RequireEnterpriseMember(ushort networkId, uint nodeId)
    {
        var net = RequireNetwork(networkId);
        RequireEnterprise(net);
        RequireMember(net, nodeId);
        return net;
    }

    private static void RequireEnterprise(NetworkState net)
    {
        if (!net.Enterprise)
        {
            throw new RegistryException(RegistryErrorCode.EnterpriseRequired, "enterprise feature: requires enterprise network");
        }
    }

    private static void RequireMember(NetworkState net, uint nodeId)
    {
        if (!net.Members.Contains(nodeId))
        {
            throw new RegistryException(RegistryErrorCode.NotMember, $"node {nodeId} is not a member of network {net.Id}");
        }
    }

    private static bool RoleIs(NetworkState net, uint nodeId, string role) =>
        net.MemberRoles.TryGetValue(nodeId, out var actual) && string.Equals(actual, role, StringComparison.Ordinal);
}

using Registry.Persistence.Deltas;
using Registry.Persistence.Deltas.Payloads;

namespace Registry.Core;

/// <summary>Invitations to invite-only enterprise networks (wire-protocol §3.4). Each inbox change is logged as the node's whole resulting inbox.</summary>
public sealed partial class NodeRegistry
{
    /// <summary>Invites a node to an invite-only enterprise network; a still-valid invitation is reported, not duplicated.</summary>
    /// <exception cref="RegistryException">Unknown network or node, not enterprise, not invite-only, self-invite, already a member, or the inbox full.</exception>
    public InviteResult InviteToNetwork(ushort networkId, uint inviterId, uint targetNodeId)
    {
        lock (_lock)
        {
            var net = RequireNetwork(networkId);
            RequireEnterprise(net);
            if (!string.Equals(net.JoinRule, JoinRules.Invite, StringComparison.Ordinal))
            {
                throw new RegistryException(RegistryErrorCode.NotInviteOnly, $"invitations require an invite-only network (network {networkId} has join_rule \"{net.JoinRule}\")");
            }

            if (inviterId == targetNodeId)
            {
                throw new RegistryException(RegistryErrorCode.CannotInviteSelf, "cannot invite yourself");
            }

            RequireNode(inviterId);
            RequireNode(targetNodeId);
            if (net.Members.Contains(targetNodeId))
            {
                throw new RegistryException(RegistryErrorCode.AlreadyMember, $"node {targetNodeId} already in network {networkId}");
            }

            var now = Now();
            var valid = ValidInvites(targetNodeId, now);
            if (valid.Any(i => i.NetworkId == networkId))
            {
                return new InviteResult(networkId, targetNodeId, AlreadyInvited: true, 0);
            }

            if (valid.Count >= _options.MaxInviteInbox)
            {
                throw new RegistryException(RegistryErrorCode.InviteInboxFull, $"invite inbox full for node {targetNodeId}");
            }

            valid.Add(new NetworkInvite(networkId, inviterId, now));
            return new InviteResult(networkId, targetNodeId, AlreadyInvited: false, CommitInbox(targetNodeId, valid));
        }
    }

    /// <summary>Returns a node's valid invitations (they stay); expired ones are pruned, which is logged only when there were any.</summary>
    /// <exception cref="RegistryException">Unknown node.</exception>
    public InvitePollResult PollInvites(uint nodeId)
    {
        lock (_lock)
        {
            RequireNode(nodeId);
            var all = _state.InviteInbox.GetValueOrDefault(nodeId) ?? [];
            var valid = ValidInvites(nodeId, Now());
            var sequence = valid.Count == all.Count ? 0 : CommitInbox(nodeId, valid);
            return new InvitePollResult(valid, sequence);
        }
    }

    /// <summary>Accepts (joins with role member) or declines an invitation.</summary>
    /// <exception cref="RegistryException">Unknown node, no invitation, an expired one, or the network is not enterprise.</exception>
    public RespondInviteResult RespondInvite(uint nodeId, ushort networkId, bool accept)
    {
        lock (_lock)
        {
            RequireNode(nodeId);
            var invite = _state.InviteInbox.GetValueOrDefault(nodeId)?.Find(i => i.NetworkId == networkId)
                ?? throw new RegistryException(RegistryErrorCode.InviteNotFound, $"no pending invite for node {nodeId} to network {networkId}");
            if (Now() - invite.Timestamp > _options.InviteTtl)
            {
                throw new RegistryException(RegistryErrorCode.InviteExpired, $"invite for node {nodeId} to network {networkId} has expired");
            }

            RequireEnterprise(RequireNetwork(networkId));
            if (accept)
            {
                // A join consumes the invitation as part of its apply, so one delta does both.
                var joined = Commit(DeltaType.NetworkJoin, nodeId, new NetworkMembershipDelta { NodeId = nodeId, NetworkId = networkId });
                return new RespondInviteResult(networkId, Accepted: true, joined);
            }

            var remaining = _state.InviteInbox[nodeId].Where(i => i.NetworkId != networkId).ToList();
            return new RespondInviteResult(networkId, Accepted: false, CommitInbox(nodeId, remaining));
        }
    }

    private List<NetworkInvite> ValidInvites(uint nodeId, DateTimeOffset now) =>
        [.. (_state.InviteInbox.GetValueOrDefault(nodeId) ?? []).Where(i => now - i.Timestamp <= _options.InviteTtl)];

    private ulong CommitInbox(uint nodeId, List<NetworkInvite> invites) =>
        Commit(DeltaType.InviteInbox, nodeId, new InviteInboxDelta
        {
            NodeId = nodeId,
            Invites = [.. invites.Select(i => new InvitePayload { NetworkId = i.NetworkId, InviterId = i.InviterId, Timestamp = Times.Format(i.Timestamp) })],
        });
}

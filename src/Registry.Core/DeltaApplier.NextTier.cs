using System.Text;
using System.Text.Json;
using Registry.Persistence.Deltas;
using Registry.Persistence.Deltas.Payloads;

namespace Registry.Core;

/// <summary>The next-tier kinds of <see cref="DeltaApplier"/> (20–28): key expiry, external id, network settings, roles, tags, invites.</summary>
internal static partial class DeltaApplier
{
    private static bool ApplyNextTierKind(RegistryState state, DeltaType type, PayloadSource payload)
    {
        switch (type)
        {
            case DeltaType.KeyExpiry:
                var expiry = payload.Get<KeyExpiryDelta>();
                var expires = expiry.ExpiresAt.Length == 0 ? null : (DateTimeOffset?)RequireTime(expiry.ExpiresAt, "key expiry expires_at");
                WithNode(state, expiry.NodeId, n => n.KeyExpires = expires);
                return true;
            case DeltaType.ExternalId:
                var external = payload.Get<ExternalIdDelta>();
                WithNode(state, external.NodeId, n => n.ExternalId = external.ExternalId);
                return true;
            case DeltaType.NetworkRename:
                var rename = payload.Get<NetworkRenameDelta>();
                WithNetwork(state, rename.NetworkId, n => n.Name = rename.Name);
                return true;
            case DeltaType.NetworkEnterprise:
                var enterprise = payload.Get<NetworkEnterpriseDelta>();
                WithNetwork(state, enterprise.NetworkId, n =>
                {
                    n.Enterprise = enterprise.Enterprise;
                    n.MemberRoles.Clear();
                    SetRoles(n, enterprise.Roles);
                });
                return true;
            case DeltaType.MemberRoles:
                var roles = payload.Get<MemberRolesDelta>();
                WithNetwork(state, roles.NetworkId, n => SetRoles(n, roles.Roles));
                return true;
            case DeltaType.MemberTags:
                var tags = payload.Get<MemberTagsDelta>();
                WithNetwork(state, tags.NetworkId, n =>
                {
                    if (tags.Tags.Count == 0)
                    {
                        n.MemberTags.Remove(tags.NodeId);
                    }
                    else
                    {
                        n.MemberTags[tags.NodeId] = [.. tags.Tags];
                    }
                });
                return true;
            case DeltaType.NetworkPolicy:
                var policy = payload.Get<NetworkPolicyDelta>();
                WithNetwork(state, policy.NetworkId, n => n.Policy = new NetworkPolicy(policy.MaxMembers, [.. policy.AllowedPorts], policy.Description));
                return true;
            case DeltaType.ExprPolicy:
                var expr = payload.Get<ExprPolicyDelta>();
                WithNetwork(state, expr.NetworkId, n => n.ExprPolicy = RawOrNull(expr.ExprPolicy));
                return true;
            case DeltaType.InviteInbox:
                var inbox = payload.Get<InviteInboxDelta>();
                var invites = inbox.Invites.Select(i => new NetworkInvite(i.NetworkId, i.InviterId, RequireTime(i.Timestamp, "invite timestamp"))).ToList();
                if (invites.Count == 0)
                {
                    state.InviteInbox.Remove(inbox.NodeId);
                }
                else
                {
                    state.InviteInbox[inbox.NodeId] = invites;
                }

                return true;
            default:
                return false;
        }
    }

    /// <summary>The document's bytes, or null for an absent member or a JSON <c>null</c> (System.Text.Json gives a Null-kind element for the latter).</summary>
    private static byte[]? RawOrNull(JsonElement? element) =>
        element is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } doc
            ? Encoding.UTF8.GetBytes(doc.GetRawText())
            : null;

    private static void SetRoles(NetworkState net, IReadOnlyList<MemberRolePayload> roles)
    {
        foreach (var entry in roles)
        {
            if (entry.Role.Length == 0)
            {
                net.MemberRoles.Remove(entry.NodeId);
            }
            else
            {
                net.MemberRoles[entry.NodeId] = entry.Role;
            }
        }
    }

    private static void WithNetwork(RegistryState state, ushort networkId, Action<NetworkState> change)
    {
        if (state.Networks.TryGetValue(networkId, out var net))
        {
            change(net);
        }
    }
}

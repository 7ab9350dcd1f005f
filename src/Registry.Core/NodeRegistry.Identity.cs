using Registry.Persistence.Deltas;
using Registry.Persistence.Deltas.Payloads;

namespace Registry.Core;

/// <summary>Key lifecycle and identity settings of a node (wire-protocol §3.1 set_key_expiry, §3.3 set_external_id).</summary>
public sealed partial class NodeRegistry
{
    private static readonly TimeSpan _maxKeyLifetime = TimeSpan.FromDays(3653);

    /// <summary>Sets the node's key expiry from the request text; <c>""</c> or <c>"never"</c> clears it.</summary>
    /// <exception cref="RegistryException">Unknown node, no enterprise membership, or an unparsable, past or over-10-year time.</exception>
    public KeyExpiryResult SetKeyExpiry(uint nodeId, string? expiresAt)
    {
        lock (_lock)
        {
            var node = RequireNode(nodeId);
            if (!node.Networks.Any(id => _state.Networks.TryGetValue(id, out var net) && net.Enterprise))
            {
                throw new RegistryException(RegistryErrorCode.EnterpriseRequired, "enterprise feature: key expiry requires enterprise network membership");
            }

            DateTimeOffset? expires = null;
            if (!string.IsNullOrEmpty(expiresAt) && !string.Equals(expiresAt, "never", StringComparison.Ordinal))
            {
                if (Times.Parse(expiresAt) is not { } parsed)
                {
                    throw new RegistryException(RegistryErrorCode.InvalidKeyExpiry, $"invalid expires_at: \"{expiresAt}\" is not an RFC 3339 time");
                }

                var now = Now();
                expires = Times.Truncate(parsed);
                if (expires <= now)
                {
                    throw new RegistryException(RegistryErrorCode.InvalidKeyExpiry, "expires_at must be in the future");
                }

                if (expires > now + _maxKeyLifetime)
                {
                    throw new RegistryException(RegistryErrorCode.InvalidKeyExpiry, "invalid expires_at: must be within 10 years");
                }
            }

            var sequence = Commit(DeltaType.KeyExpiry, nodeId, new KeyExpiryDelta { NodeId = nodeId, ExpiresAt = Times.Format(expires) });
            return new KeyExpiryResult(nodeId, expires, sequence);
        }
    }

    /// <summary>Sets (or with <c>""</c> clears) the node's identity-provider id.</summary>
    /// <exception cref="RegistryException">Unknown node.</exception>
    public MutationResult SetExternalId(uint nodeId, string externalId)
    {
        ArgumentNullException.ThrowIfNull(externalId);
        lock (_lock)
        {
            RequireNode(nodeId);
            return new MutationResult(Commit(DeltaType.ExternalId, nodeId, new ExternalIdDelta { NodeId = nodeId, ExternalId = externalId }));
        }
    }
}

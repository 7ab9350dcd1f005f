using Registry.Persistence.Deltas;
using Registry.Persistence.Deltas.Payloads;

namespace Registry.Core;

/// <summary>Node lifecycle and node settings (wire-protocol §3.1, §3.3).</summary>
public sealed partial class NodeRegistry
{
    private static readonly TimeSpan _keyExpiryWarning = TimeSpan.FromHours(24);

    /// <summary>Registers a node: refresh (a), reclaim (b), key recovery (c) or a new node (d), in that order of precedence.</summary>
    /// <exception cref="RegistryException">Missing or invalid key, registry full, or id space exhausted.</exception>
    public RegisterResult Register(RegisterRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(request.PublicKey))
        {
            throw new RegistryException(RegistryErrorCode.PublicKeyRequired, "registration requires public_key");
        }

        if (Validation.CheckPublicKey(request.PublicKey) is { } why)
        {
            throw new RegistryException(RegistryErrorCode.InvalidPublicKey, "invalid public key: " + why);
        }

        lock (_lock)
        {
            var now = Now();
            if (_state.KeyIndex.TryGetValue(request.PublicKey, out var id))
            {
                return _state.Nodes.TryGetValue(id, out var live)
                    ? Refresh(live, request, now, newKey: false)
                    : Recreate(id, request, now, RegisterOutcome.Reclaimed);
            }

            if (!string.IsNullOrEmpty(request.Owner) && _state.OwnerIndex.TryGetValue(request.Owner, out var ownerId))
            {
                return _state.Nodes.TryGetValue(ownerId, out var live)
                    ? Refresh(live, request, now, newKey: true)
                    : Recreate(ownerId, request, now, RegisterOutcome.KeyRecovered);
            }

            return CreateNode(request, now);
        }
    }

    /// <summary>Records a heartbeat: last seen becomes now.</summary>
    /// <exception cref="RegistryException">Unknown node, or its key has expired.</exception>
    public HeartbeatResult Heartbeat(uint nodeId)
    {
        lock (_lock)
        {
            var node = RequireNode(nodeId);
            var now = Now();
            var warning = false;
            if (node.KeyExpires is { } expires)
            {
                if (expires <= now)
                {
                    throw new RegistryException(RegistryErrorCode.KeyExpired, $"node {nodeId}: key expired at {Times.Format(expires)}");
                }

                warning = expires - now <= _keyExpiryWarning;
            }

            var sequence = Commit(DeltaType.Heartbeat, nodeId, new HeartbeatDelta { NodeId = nodeId, LastSeen = Times.Format(now) });
            return new HeartbeatResult(now, warning, sequence);
        }
    }

    /// <summary>Removes a node, its memberships, its hostname and its invites; an unknown node is not an error (nothing is logged).</summary>
    public MutationResult Deregister(uint nodeId)
    {
        lock (_lock)
        {
            return _state.Nodes.ContainsKey(nodeId)
                ? new MutationResult(Commit(DeltaType.Deregister, nodeId, new DeregisterDelta { NodeId = nodeId }))
                : default;
        }
    }

    /// <summary>Replaces a node's key (the caller verified the signature by the current key).</summary>
    /// <param name="nodeId">The node.</param>
    /// <param name="newPublicKey">The new key, standard base64 of 32 bytes.</param>
    /// <param name="expectedCurrentKey">The key the caller verified the signature with; a different current key means a concurrent rotation.</param>
    /// <exception cref="RegistryException">Missing or invalid key, unknown node, concurrent rotation, or the key belongs to another node.</exception>
    public RotateKeyResult RotateKey(uint nodeId, string newPublicKey, string? expectedCurrentKey = null)
    {
        if (string.IsNullOrEmpty(newPublicKey))
        {
            throw new RegistryException(RegistryErrorCode.NewPublicKeyRequired, "rotate_key requires new_public_key");
        }

        if (Validation.CheckPublicKey(newPublicKey) is { } why)
        {
            throw new RegistryException(RegistryErrorCode.InvalidPublicKey, "invalid new_public_key: " + why);
        }

        lock (_lock)
        {
            var node = RequireNode(nodeId);
            if (expectedCurrentKey is not null && !string.Equals(expectedCurrentKey, node.PublicKey, StringComparison.Ordinal))
            {
                throw new RegistryException(RegistryErrorCode.KeyRotatedConcurrently, "rotate_key: key rotated concurrently, retry");
            }

            // Two nodes with one key would corrupt the key index; the protocol does not say, so refuse.
            if (_state.KeyIndex.TryGetValue(newPublicKey, out var holder) && holder != nodeId)
            {
                throw new RegistryException(RegistryErrorCode.KeyInUse, $"invalid new_public_key: already registered to node {holder}");
            }

            var now = Times.Format(Now());
            var sequence = Commit(DeltaType.KeyRotation, nodeId, new KeyRotationDelta
            {
                NodeId = nodeId,
                NewPublicKey = newPublicKey,
                RotatedAt = now,
                KeyRotCount = node.KeyRotateCount + 1,
                LastSeen = now,
            });
            return new RotateKeyResult(nodeId, NodeAddress.Format(RegistryState.BackboneId, nodeId), newPublicKey, sequence);
        }
    }

    /// <summary>Makes a node public or private.</summary>
    /// <exception cref="RegistryException">Unknown node.</exception>
    public MutationResult SetVisibility(uint nodeId, bool isPublic)
    {
        lock (_lock)
        {
            RequireNode(nodeId);
            return new MutationResult(Commit(DeltaType.Visibility, nodeId, new VisibilityDelta { NodeId = nodeId, Public = isPublic }));
        }
    }

    /// <summary>Sets or (with <c>""</c>) clears a node's hostname.</summary>
    /// <exception cref="RegistryException">Unknown node, invalid hostname, or the hostname belongs to another node.</exception>
    public HostnameResult SetHostname(uint nodeId, string hostname)
    {
        ArgumentNullException.ThrowIfNull(hostname);
        lock (_lock)
        {
            RequireNode(nodeId);
            if (hostname.Length > 0)
            {
                if (Validation.CheckHostname(hostname) is { } why)
                {
                    throw new RegistryException(RegistryErrorCode.InvalidHostname, "invalid hostname: " + why);
                }

                if (_state.HostnameIndex.TryGetValue(hostname, out var holder) && holder != nodeId)
                {
                    throw new RegistryException(RegistryErrorCode.HostnameInUse, $"hostname \"{hostname}\" already in use by node {holder}");
                }
            }

            var sequence = Commit(DeltaType.Hostname, nodeId, new HostnameDelta { NodeId = nodeId, Hostname = hostname });
            return new HostnameResult(nodeId, hostname, sequence);
        }
    }

    /// <summary>Replaces a node's tags with the normalized list (leading <c>#</c> stripped, duplicates dropped).</summary>
    /// <exception cref="RegistryException">Unknown node or a tag rule broken.</exception>
    public TagsResult SetTags(uint nodeId, IReadOnlyList<string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        lock (_lock)
        {
            RequireNode(nodeId);
            var normalized = Validation.NormalizeTags(tags, out var error);
            if (error is not null)
            {
                throw new RegistryException(RegistryErrorCode.InvalidTags, error);
            }

            var sequence = Commit(DeltaType.Tags, nodeId, new TagsDelta { NodeId = nodeId, Tags = normalized });
            return new TagsResult(nodeId, normalized, sequence);
        }
    }

    /// <summary>Sets whether a node accepts tasks.</summary>
    /// <exception cref="RegistryException">Unknown node.</exception>
    public MutationResult SetTaskExec(uint nodeId, bool enabled)
    {
        lock (_lock)
        {
            RequireNode(nodeId);
            return new MutationResult(Commit(DeltaType.TaskExec, nodeId, new TaskExecDelta { NodeId = nodeId, TaskExec = enabled }));
        }
    }

    /// <summary>Reaps nodes not seen for longer than <paramref name="threshold"/>, examining at most <paramref name="maxNodes"/> ids per call in id order, continuing where the last call stopped.</summary>
    /// <remarks>
    /// The sweep walks a sorted copy of the ids taken at the start of each pass, so a call costs O(<paramref name="maxNodes"/>)
    /// under the lock instead of sorting a million ids every tick; nodes registered during a pass are seen by the next one.
    /// </remarks>
    public IReadOnlyList<ReapResult> ReapStale(TimeSpan threshold, int maxNodes = 10_000)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxNodes);
        lock (_lock)
        {
            if (_reapCursor >= _reapOrder.Length)
            {
                _reapOrder = [.. _state.Nodes.Keys.Order()];
                _reapCursor = 0;
            }

            var cutoff = _time.GetUtcNow() - threshold;
            var end = Math.Min(_reapOrder.Length, _reapCursor + maxNodes);
            var reaped = new List<ReapResult>();
            for (; _reapCursor < end; _reapCursor++)
            {
                var id = _reapOrder[_reapCursor];
                if (_state.Nodes.TryGetValue(id, out var node) && node.LastSeen < cutoff)
                {
                    reaped.Add(new ReapResult(id, Commit(DeltaType.Reap, id, new ReapDelta { NodeId = id })));
                }
            }

            return reaped;
        }
    }

    private RegisterResult CreateNode(RegisterRequest request, DateTimeOffset now)
    {
        if (_state.Nodes.Count >= _options.MaxNodes)
        {
            throw new RegistryException(RegistryErrorCode.RegistryFull, "registry full");
        }

        var id = _state.NextNode;
        if (id == 0 || _state.Nodes.ContainsKey(id))
        {
            throw new RegistryException(RegistryErrorCode.NodeIdSpaceExhausted, "node ID space exhausted");
        }

        var (hostname, hostnameError) = AssignableHostname(request.Hostname, id, string.Empty);
        var sequence = Commit(DeltaType.Register, id, new RegisterDelta
        {
            NodeId = id,
            Owner = NullIfEmpty(request.Owner),
            PublicKey = request.PublicKey,
            RealAddr = NullIfEmpty(request.RealAddr),
            Hostname = NullIfEmpty(hostname),
            LanAddrs = request.LanAddrs is { Count: > 0 } lan ? [.. lan] : null,
            Version = NullIfEmpty(request.Version),
            CreatedAt = Times.Format(now),
            RelayOnly = request.RelayOnly,
        });
        return new RegisterResult(id, NodeAddress.Format(RegistryState.BackboneId, id), request.PublicKey, hostname, hostnameError, RegisterOutcome.Created, sequence);
    }

    /// <summary>Outcome (a), and (c) for a live node: refresh addresses and version, keep everything else; optionally a new key.</summary>
    private RegisterResult Refresh(NodeState node, RegisterRequest request, DateTimeOffset now, bool newKey)
    {
        var (hostname, hostnameError) = string.IsNullOrEmpty(request.Hostname) || string.Equals(request.Hostname, node.Hostname, StringComparison.Ordinal)
            ? (node.Hostname, null)
            : AssignableHostname(request.Hostname, node.Id, node.Hostname);
        var update = new NodeUpdateDelta
        {
            NodeId = node.Id,
            PublicKey = newKey ? request.PublicKey : node.PublicKey,
            Owner = node.Owner.Length > 0 ? node.Owner : request.Owner ?? string.Empty,
            RealAddr = request.RealAddr ?? string.Empty,
            Hostname = hostname,
            LanAddrs = request.LanAddrs ?? [],
            Version = string.IsNullOrEmpty(request.Version) ? node.Version : request.Version,
            RelayOnly = request.RelayOnly,
            Public = node.Public,
            Tags = node.Tags,
            TaskExec = node.TaskExec,
            Networks = node.Networks,
            KeyCreated = newKey ? Times.Format(now) : Times.Format(node.KeyCreated),
            KeyRotated = newKey ? string.Empty : Times.Format(node.KeyRotated),
            KeyRotCount = newKey ? 0 : node.KeyRotateCount,
            KeyExpires = newKey ? string.Empty : Times.Format(node.KeyExpires),
            ExternalId = node.ExternalId,
            LastSeen = Times.Format(now),
        };
        var sequence = Commit(DeltaType.NodeUpdate, node.Id, update);
        var outcome = newKey ? RegisterOutcome.KeyRecovered : RegisterOutcome.Refreshed;
        return new RegisterResult(node.Id, NodeAddress.Format(RegistryState.BackboneId, node.Id), update.PublicKey, hostname, hostnameError, outcome, sequence);
    }

    /// <summary>Outcomes (b) and (c) for a reaped node: the same id with a fresh record; networks = backbone + those still listing it.</summary>
    private RegisterResult Recreate(uint id, RegisterRequest request, DateTimeOffset now, RegisterOutcome outcome)
    {
        var (hostname, hostnameError) = AssignableHostname(request.Hostname, id, string.Empty);
        var networks = new List<ushort> { RegistryState.BackboneId };
        networks.AddRange(_state.Networks.Values.Where(n => n.Id != RegistryState.BackboneId && n.Members.Contains(id)).Select(n => n.Id).Order());

        // A reclaim without an owner keeps the owner the index still holds for this id.
        var owner = request.Owner is { Length: > 0 } given
            ? given
            : _state.Reaped.TryGetValue(id, out var reaped) ? reaped.Owner : string.Empty;
        var update = new NodeUpdateDelta
        {
            NodeId = id,
            PublicKey = request.PublicKey,
            Owner = owner,
            RealAddr = request.RealAddr ?? string.Empty,
            Hostname = hostname,
            LanAddrs = request.LanAddrs ?? [],
            Version = request.Version ?? string.Empty,
            RelayOnly = request.RelayOnly,
            Networks = networks,
            KeyCreated = Times.Format(now),
            LastSeen = Times.Format(now),
        };
        var sequence = Commit(DeltaType.NodeUpdate, id, update);
        return new RegisterResult(id, NodeAddress.Format(RegistryState.BackboneId, id), request.PublicKey, hostname, hostnameError, outcome, sequence);
    }

    /// <summary>Checks a requested hostname for a node: returns it when assignable, else the fallback and the reason.</summary>
    private (string Hostname, string? Error) AssignableHostname(string? requested, uint nodeId, string fallback)
    {
        if (string.IsNullOrEmpty(requested))
        {
            return (fallback, null);
        }

        if (Validation.CheckHostname(requested) is { } why)
        {
            return (fallback, why);
        }

        return _state.HostnameIndex.TryGetValue(requested, out var holder) && holder != nodeId
            ? (fallback, $"hostname \"{requested}\" already in use by node {holder}")
            : (requested, null);
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}

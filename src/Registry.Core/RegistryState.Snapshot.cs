using System.Globalization;
using Registry.Persistence.Snapshots.Model;
using ModelPolicy = Registry.Persistence.Snapshots.Model.NetworkPolicy;
using ModelInvite = Registry.Persistence.Snapshots.Model.NetworkInvite;

namespace Registry.Core;

/// <summary>Conversion between the registry state and the snapshot document (format-spec §4.4 save, §4.5 load).</summary>
public sealed partial class RegistryState
{
    private static readonly TimeSpan _onlineWindow = TimeSpan.FromMinutes(30);

    /// <summary>The snapshot this state was restored from, kept only for the members Core does not model; never modified.</summary>
    private Snapshot? _carried;

    /// <summary>The nodes of a copy made for encoding (see <see cref="CloneForSnapshot"/>); null otherwise.</summary>
    private NodeState[]? _frozenNodes;

    /// <summary>Builds the snapshot document of this state, recording <paramref name="walSeq"/> as the last delta it contains.</summary>
    /// <remarks>
    /// Members the registry does not model (dashboard history, start time, audit log, identity-provider and audit
    /// export configuration, RBAC pre-assignments, the request total) are written back exactly as the last restored
    /// snapshot had them, so migrating a Go directory loses none of them. The counters use <paramref name="now"/>
    /// for <c>online_nodes</c> (30-minute window, as Go). Pending handshakes that were already polled are not in
    /// the Go schema and are not carried.
    /// </remarks>
    public Snapshot ToSnapshot(ulong walSeq, DateTimeOffset now)
    {
        // One pass for the counters and the nodes, into a map sized up front: at a few hundred thousand nodes every
        // rehash and sort here was a large array on the large-object heap, each a step towards a full collection
        // that pauses the whole server. No sorting: the encoder writes map members in key order anyway.
        // A copy made for encoding holds its nodes in an array, converted only while the encoder writes them.
        var online = now - _onlineWindow;
        int onlineNodes = 0, taskExecutors = 0;
        var tags = new HashSet<string>(StringComparer.Ordinal);
        var frozen = _frozenNodes;
        var nodes = frozen is null ? new Dictionary<string, SnapshotNode>(Nodes.Count, StringComparer.Ordinal) : null;
        foreach (var node in frozen ?? Nodes.Values.AsEnumerable())
        {
            onlineNodes += node.LastSeen > online ? 1 : 0;
            taskExecutors += node.TaskExec ? 1 : 0;
            for (var t = 0; t < node.Tags.Count; t++)
            {
                tags.Add(node.Tags[t]);
            }

            nodes?.Add(Key(node.Id), ToModel(node));
        }

        var snapshot = new Snapshot
        {
            Version = 1,
            NextNode = NextNode,
            NextNet = NextNet,
            Nodes = nodes,
            NodeSource = frozen is null ? null : new FrozenNodeSource(frozen),
            Networks = new Dictionary<string, SnapshotNet>(Networks.Count, StringComparer.Ordinal),
            WalSeq = walSeq,
            TotalNodes = frozen?.Length ?? Nodes.Count,
            OnlineNodes = onlineNodes,
            TrustLinks = TrustPairs.Count,
            UniqueTags = tags.Count,
            TaskExecutors = taskExecutors,
        };
        foreach (var net in Networks.Values.OrderBy(n => n.Id))
        {
            snapshot.Networks.Add(Key(net.Id), ToModel(net));
        }

        snapshot.TrustPairs = TrustPairs.Count == 0 ? null : [.. TrustPairs.Order().Select(p => Key(p.A) + ":" + Key(p.B))];

        // Only the keys of reaped nodes: a loader indexes live nodes' keys from the nodes themselves and adds
        // pub_key_idx entries only for keys not already indexed (format-spec §4.5), so the rest would be dead weight.
        snapshot.PubKeyIdx = Reaped.Count == 0 ? null : Reaped.OrderBy(p => p.Key).ToDictionary(p => p.Value.Key, p => p.Key, StringComparer.Ordinal);
        snapshot.HandshakeInbox = Inbox(HandshakeInbox, m => new HandshakeRelayMsg { FromNodeId = m.FromNodeId, Justification = m.Justification, Timestamp = Times.Format(m.Timestamp) });
        snapshot.HandshakeResponses = Inbox(HandshakeResponses, m => new HandshakeResponseMsg { FromNodeId = m.FromNodeId, Accept = m.Accept, Timestamp = Times.Format(m.Timestamp) });
        snapshot.InviteInbox = Inbox(InviteInbox, m => new ModelInvite { NetworkId = m.NetworkId, InviterId = m.InviterId, Timestamp = Times.Format(m.Timestamp) });
        if (_carried is { } carried)
        {
            snapshot.TotalRequests = carried.TotalRequests;
            snapshot.StartTime = carried.StartTime;
            snapshot.RestartEvents = carried.RestartEvents;
            snapshot.DowntimeIntervals = carried.DowntimeIntervals;
            snapshot.LastHeartbeat = carried.LastHeartbeat;
            snapshot.ProbeStates = carried.ProbeStates;
            snapshot.HourlyHistory = carried.HourlyHistory;
            snapshot.DailyHistory = carried.DailyHistory;
            snapshot.NetHourlyHistory = carried.NetHourlyHistory;
            snapshot.NetDailyHistory = carried.NetDailyHistory;
            snapshot.AuditLog = carried.AuditLog;
            snapshot.IdpConfig = carried.IdpConfig;
            snapshot.AuditExportConfig = carried.AuditExportConfig;
            snapshot.RbacPreAssign = carried.RbacPreAssign;
        }

        return snapshot;
    }

    /// <summary>Copies what <see cref="ToSnapshot"/> reads, so the slow conversion can run outside the registry lock.</summary>
    /// <remarks>
    /// Indexes the snapshot does not carry or rebuilds on load (key, owner, hostname, pending handshakes) are not copied.
    /// Nodes are not copied either but frozen and shared (see <see cref="NodeState"/>): the copy costs a reference per
    /// node, and each node changed later is cloned once, by the change. With <paramref name="forEncoding"/> the
    /// references go to an array instead of a map, and <see cref="ToSnapshot"/> hands them to the encoder as
    /// <see cref="Snapshot.NodeSource"/> (a smaller copy under the lock; no model per node).
    /// </remarks>
    internal RegistryState CloneForSnapshot(bool forEncoding = false)
    {
        var copy = new RegistryState { NextNode = NextNode, NextNet = NextNet, _carried = _carried };

        // Sized up front: growing from empty rehashes about twenty times at 100k entries, all of it under the registry lock.
        copy.Networks.EnsureCapacity(Networks.Count);
        copy.TrustPairs.EnsureCapacity(TrustPairs.Count);
        if (forEncoding)
        {
            var frozen = new NodeState[Nodes.Count];
            var i = 0;
            foreach (var node in Nodes.Values)
            {
                node.Freeze();
                frozen[i++] = node;
            }

            copy._frozenNodes = frozen;
        }
        else
        {
            copy.Nodes.EnsureCapacity(Nodes.Count);
            foreach (var (id, node) in Nodes)
            {
                node.Freeze();
                copy.Nodes.Add(id, node);
            }
        }

        foreach (var (id, net) in Networks)
        {
            copy.Networks.Add(id, net.Clone());
        }

        copy.TrustPairs.UnionWith(TrustPairs);
        foreach (var (id, identity) in Reaped)
        {
            copy.Reaped.Add(id, identity);
        }

        foreach (var (id, list) in HandshakeInbox)
        {
            copy.HandshakeInbox.Add(id, [.. list]);
        }

        foreach (var (id, list) in HandshakeResponses)
        {
            copy.HandshakeResponses.Add(id, [.. list]);
        }

        foreach (var (id, list) in InviteInbox)
        {
            copy.InviteInbox.Add(id, [.. list]);
        }

        return copy;
    }

    /// <summary>Builds a state from a snapshot document with Go's load rules (format-spec §4.5).</summary>
    /// <param name="snapshot">The verified snapshot.</param>
    /// <param name="now">Used for nodes whose <c>last_seen</c> is missing or unparsable.</param>
    /// <param name="warnings">Receives one line per skipped or repaired item, when given.</param>
    public static RegistryState FromSnapshot(Snapshot snapshot, DateTimeOffset now, ICollection<string>? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var state = new RegistryState { NextNode = snapshot.NextNode, NextNet = snapshot.NextNet, _carried = snapshot };
        foreach (var (key, model) in (snapshot.Nodes ?? []).OrderBy(p => p.Value?.Id ?? 0))
        {
            // Go dereferences a null entry and panics; skipping it is the only sane reading.
            if (model is null || (!string.IsNullOrEmpty(model.PublicKey) && !Validation.IsBase64(model.PublicKey)))
            {
                warnings?.Add($"node {key}: skipped (null entry or public key is not valid base64)");
                continue;
            }

            var node = FromModel(model, now);
            state.Nodes[node.Id] = node;
            if (node.PublicKey.Length > 0)
            {
                state.KeyIndex[node.PublicKey] = node.Id;
            }

            if (node.Owner.Length > 0)
            {
                state.OwnerIndex[node.Owner] = node.Id;
            }

            if (node.Hostname.Length > 0 && !state.HostnameIndex.TryAdd(node.Hostname, node.Id))
            {
                // Hostnames must be unique; as the Go standby does, a duplicate is cleared (here: on the higher id).
                warnings?.Add($"node {node.Id}: hostname \"{node.Hostname}\" already used by node {state.HostnameIndex[node.Hostname]}, cleared");
                node.Hostname = string.Empty;
            }
        }

        foreach (var (key, model) in snapshot.Networks ?? [])
        {
            if (model is null)
            {
                warnings?.Add($"network {key}: skipped (null entry)");
                continue;
            }

            state.Networks[model.Id] = FromModel(model);
        }

        foreach (var pair in snapshot.TrustPairs ?? [])
        {
            var colon = pair.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && GoScan.TryParseUInt32(pair[..colon], out var a) && GoScan.TryParseUInt32(pair[(colon + 1)..], out var b))
            {
                state.TrustPairs.Add(Pair(a, b));
            }
            else
            {
                warnings?.Add($"trust pair \"{pair}\": skipped (not \"a:b\")");
            }
        }

        foreach (var (key, id) in snapshot.PubKeyIdx ?? [])
        {
            // A key naming an id that has no node belongs to a reaped node; its owner is not in the schema.
            if (state.KeyIndex.TryAdd(key, id) && !state.Nodes.ContainsKey(id))
            {
                state.Reaped[id] = (key, string.Empty);
            }
        }

        LoadInbox(snapshot.HandshakeInbox, state.HandshakeInbox, m => new HandshakeRequestMessage(m.FromNodeId, m.Justification ?? string.Empty, ParseOrZero(m.Timestamp)));
        LoadInbox(snapshot.HandshakeResponses, state.HandshakeResponses, m => new HandshakeResponseMessage(m.FromNodeId, m.Accept, ParseOrZero(m.Timestamp)));
        LoadInbox(snapshot.InviteInbox, state.InviteInbox, m => new NetworkInvite(m.NetworkId, m.InviterId, ParseOrZero(m.Timestamp)));

        // Requests still in an inbox are pending; ones already polled away are not in the schema (as in Go).
        foreach (var (to, list) in state.HandshakeInbox)
        {
            foreach (var message in list)
            {
                state.PendingHandshakes.Add((to, message.FromNodeId));
            }
        }

        return state;
    }

    private static SnapshotNode ToModel(NodeState n)
    {
        var model = new SnapshotNode();
        FrozenNodeSource.Fill(n, model, networks: null, tags: null, lanAddrs: null);
        return model;
    }

    private static NodeState FromModel(SnapshotNode m, DateTimeOffset now) => new()
    {
        Id = m.Id,
        Owner = m.Owner ?? string.Empty,
        PublicKey = m.PublicKey ?? string.Empty,
        RealAddr = m.RealAddr ?? string.Empty,
        Networks = m.Networks is null ? [] : [.. m.Networks],
        Public = m.Public,
        LastSeen = Times.Parse(m.LastSeen) ?? now,
        Hostname = m.Hostname ?? string.Empty,
        Tags = m.Tags is null ? [] : [.. m.Tags],
        TaskExec = m.TaskExec,
        LanAddrs = m.LanAddrs is null ? [] : [.. m.LanAddrs],
        KeyCreated = Times.Parse(m.KeyCreated),
        KeyRotated = Times.Parse(m.KeyRotated),
        KeyRotateCount = (int)Math.Clamp(m.KeyRotCount, 0, int.MaxValue),
        KeyExpires = Times.Parse(m.KeyExpires),
        ExternalId = m.ExternalId ?? string.Empty,
        Version = m.Version ?? string.Empty,
        RelayOnly = m.RelayOnly,
    };

    private static SnapshotNet ToModel(NetworkState n) => new()
    {
        Id = n.Id,
        Name = n.Name,
        JoinRule = n.JoinRule,
        Token = n.Token,
        Members = n.Members.Count == 0 ? null : [.. n.Members.InOrder()],
        MemberRoles = n.MemberRoles.Count == 0 ? null : n.MemberRoles.OrderBy(p => p.Key).ToDictionary(p => Key(p.Key), p => (string?)p.Value, StringComparer.Ordinal),
        MemberTags = n.MemberTags.Count == 0 ? null : n.MemberTags.OrderBy(p => p.Key).ToDictionary(p => Key(p.Key), p => p.Value.Count == 0 ? null : (List<string>?)[.. p.Value], StringComparer.Ordinal),
        AdminToken = n.AdminToken,
        Policy = n.Policy is { } p && (p.MaxMembers != 0 || p.AllowedPorts.Count > 0 || p.Description.Length > 0)
            ? new ModelPolicy { MaxMembers = p.MaxMembers, AllowedPorts = p.AllowedPorts.Count == 0 ? null : [.. p.AllowedPorts], Description = p.Description }
            : null,
        Rules = n.Rules is null ? null : RulesDocument.ToModel(n.Rules),
        ExprPolicy = n.ExprPolicy?.ToArray(),
        Enterprise = n.Enterprise,
        RequestCount = n.RequestCount,
        Created = Times.Format(n.Created),
    };

    private static NetworkState FromModel(SnapshotNet m)
    {
        var net = new NetworkState
        {
            Id = m.Id,
            Name = m.Name ?? string.Empty,
            JoinRule = m.JoinRule ?? string.Empty,
            Token = m.Token ?? string.Empty,
            AdminToken = m.AdminToken ?? string.Empty,
            Policy = m.Policy is { } p ? new NetworkPolicy((int)Math.Clamp(p.MaxMembers, int.MinValue, int.MaxValue), p.AllowedPorts is null ? [] : [.. p.AllowedPorts], p.Description ?? string.Empty) : null,
            Rules = m.Rules is null ? null : RulesDocument.FromModel(m.Rules),
            ExprPolicy = m.ExprPolicy is { Length: > 0 } expr ? [.. expr] : null,
            Enterprise = m.Enterprise,
            RequestCount = m.RequestCount,
            Created = Times.Parse(m.Created) ?? default,
        };
        foreach (var member in m.Members ?? [])
        {
            net.Members.Add(member);
        }

        foreach (var (key, role) in m.MemberRoles ?? [])
        {
            if (GoScan.TryParseUInt32(key, out var id))
            {
                net.MemberRoles[id] = role ?? string.Empty;
            }
        }

        foreach (var (key, tags) in m.MemberTags ?? [])
        {
            if (GoScan.TryParseUInt32(key, out var id))
            {
                net.MemberTags[id] = tags is null ? [] : [.. tags];
            }
        }

        // Legacy snapshots predate roles: the first member owns the network, the rest are members.
        if (m.MemberRoles is null or { Count: 0 } && net.Members.Count > 0 && net.Id != BackboneId)
        {
            var ordered = net.Members.InOrder();
            net.MemberRoles[ordered[0]] = MemberRoles.Owner;
            foreach (var member in ordered.Skip(1))
            {
                net.MemberRoles.TryAdd(member, MemberRoles.Member);
            }
        }

        return net;
    }

    private static Dictionary<string, List<TModel>?>? Inbox<TMessage, TModel>(Dictionary<uint, List<TMessage>> inboxes, Func<TMessage, TModel> convert)
    {
        var result = inboxes.Where(p => p.Value.Count > 0).OrderBy(p => p.Key)
            .ToDictionary(p => Key(p.Key), p => (List<TModel>?)[.. p.Value.Select(convert)], StringComparer.Ordinal);
        return result.Count == 0 ? null : result;
    }

    private static void LoadInbox<TModel, TMessage>(Dictionary<string, List<TModel>?>? models, Dictionary<uint, List<TMessage>> inboxes, Func<TModel, TMessage> convert)
    {
        foreach (var (key, list) in models ?? [])
        {
            // Keys that are 0 or do not parse are dropped, as Go's Sscanf-based loader does.
            if (GoScan.TryParseUInt32(key, out var id) && id != 0 && list is { Count: > 0 })
            {
                inboxes[id] = [.. list.Where(m => m is not null).Select(convert)];
            }
        }
    }

    private static DateTimeOffset ParseOrZero(string? text) => Times.Parse(text) ?? default;

    private static string Key(uint id) => id.ToString(CultureInfo.InvariantCulture);
}

using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Registry.Core;

/// <summary>Writes <see cref="RegistryState"/> as canonical JSON: every member, ids sorted, lists in stored order.</summary>
/// <remarks>
/// Used to prove live and replayed states equal; the text is for comparison and debugging, not a file format.
/// The snapshot view leaves out what the snapshot schema cannot carry (pending handshakes, and owner index entries of
/// nodes no longer in the table), so a restored state can be compared with the live one.
/// </remarks>
internal static class CanonicalDump
{
    public static string Write(RegistryState state, bool snapshotView = false)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("next_node", state.NextNode);
            w.WriteNumber("next_net", state.NextNet);
            w.WriteStartObject("nodes");
            foreach (var node in state.Nodes.Values.OrderBy(n => n.Id))
            {
                w.WritePropertyName(Key(node.Id));
                WriteNode(w, node);
            }

            w.WriteEndObject();
            w.WriteStartObject("networks");
            foreach (var net in state.Networks.Values.OrderBy(n => n.Id))
            {
                w.WritePropertyName(Key(net.Id));
                WriteNetwork(w, net);
            }

            w.WriteEndObject();
            w.WriteStartArray("trust_pairs");
            foreach (var (a, b) in state.TrustPairs.Order())
            {
                w.WriteStringValue(Key(a) + ":" + Key(b));
            }

            w.WriteEndArray();
            WriteInboxes(w, state, snapshotView);
            WriteIndex(w, "key_index", state.KeyIndex);
            WriteIndex(w, "owner_index", snapshotView ? state.OwnerIndex.Where(p => state.Nodes.ContainsKey(p.Value)).ToDictionary(StringComparer.Ordinal) : state.OwnerIndex);
            WriteIndex(w, "hostname_index", state.HostnameIndex);
            w.WriteStartObject("reaped");
            foreach (var (id, (key, owner)) in state.Reaped.OrderBy(p => p.Key))
            {
                w.WriteString(Key(id), snapshotView ? key : key + "|" + owner);
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteNode(Utf8JsonWriter w, NodeState node)
    {
        w.WriteStartObject();
        w.WriteNumber("id", node.Id);
        w.WriteString("public_key", node.PublicKey);
        w.WriteString("owner", node.Owner);
        w.WriteString("real_addr", node.RealAddr);
        WriteStrings(w, "lan_addrs", node.LanAddrs);
        w.WriteStartArray("networks");
        foreach (var net in node.Networks)
        {
            w.WriteNumberValue(net);
        }

        w.WriteEndArray();
        w.WriteBoolean("public", node.Public);
        w.WriteString("hostname", node.Hostname);
        WriteStrings(w, "tags", node.Tags);
        w.WriteBoolean("task_exec", node.TaskExec);
        w.WriteString("key_created", Times.Format(node.KeyCreated));
        w.WriteString("key_rotated", Times.Format(node.KeyRotated));
        w.WriteNumber("key_rot_count", node.KeyRotateCount);
        w.WriteString("key_expires", Times.Format(node.KeyExpires));
        w.WriteString("external_id", node.ExternalId);
        w.WriteString("version", node.Version);
        w.WriteBoolean("relay_only", node.RelayOnly);
        w.WriteString("last_seen", Times.Format(node.LastSeen));
        w.WriteEndObject();
    }

    private static void WriteNetwork(Utf8JsonWriter w, NetworkState net)
    {
        w.WriteStartObject();
        w.WriteNumber("id", net.Id);
        w.WriteString("name", net.Name);
        w.WriteString("join_rule", net.JoinRule);
        w.WriteString("token", net.Token);
        w.WriteString("admin_token", net.AdminToken);
        w.WriteStartArray("members");
        foreach (var member in net.Members)
        {
            w.WriteNumberValue(member);
        }

        w.WriteEndArray();
        w.WriteStartObject("member_roles");
        foreach (var (id, role) in net.MemberRoles.OrderBy(p => p.Key))
        {
            w.WriteString(Key(id), role);
        }

        w.WriteEndObject();
        w.WriteStartObject("member_tags");
        foreach (var (id, tags) in net.MemberTags.OrderBy(p => p.Key))
        {
            WriteStrings(w, Key(id), tags);
        }

        w.WriteEndObject();
        if (net.Policy is { } policy)
        {
            w.WriteStartObject("policy");
            w.WriteNumber("max_members", policy.MaxMembers);
            w.WriteString("allowed_ports", string.Join(',', policy.AllowedPorts));
            w.WriteString("description", policy.Description);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("policy");
        }

        w.WriteString("rules", net.Rules is null ? null : Encoding.UTF8.GetString(net.Rules));
        w.WriteString("expr_policy", net.ExprPolicy is null ? null : Encoding.UTF8.GetString(net.ExprPolicy));
        w.WriteBoolean("enterprise", net.Enterprise);
        w.WriteNumber("request_count", net.RequestCount);
        w.WriteString("created", Times.Format(net.Created));
        w.WriteEndObject();
    }

    private static void WriteInboxes(Utf8JsonWriter w, RegistryState state, bool snapshotView)
    {
        w.WriteStartObject("handshake_inbox");
        foreach (var (id, list) in state.HandshakeInbox.Where(p => p.Value.Count > 0).OrderBy(p => p.Key))
        {
            w.WriteStartArray(Key(id));
            foreach (var m in list)
            {
                w.WriteStringValue($"{Key(m.FromNodeId)}|{Times.Format(m.Timestamp)}|{m.Justification}");
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
        w.WriteStartObject("handshake_responses");
        foreach (var (id, list) in state.HandshakeResponses.Where(p => p.Value.Count > 0).OrderBy(p => p.Key))
        {
            w.WriteStartArray(Key(id));
            foreach (var m in list)
            {
                w.WriteStringValue($"{Key(m.FromNodeId)}|{Times.Format(m.Timestamp)}|{(m.Accept ? "accept" : "reject")}");
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
        w.WriteStartArray("pending_handshakes");
        foreach (var (to, from) in snapshotView ? Enumerable.Empty<(uint To, uint From)>() : state.PendingHandshakes.Order())
        {
            w.WriteStringValue(Key(to) + "<-" + Key(from));
        }

        w.WriteEndArray();
        w.WriteStartObject("invite_inbox");
        foreach (var (id, list) in state.InviteInbox.Where(p => p.Value.Count > 0).OrderBy(p => p.Key))
        {
            w.WriteStartArray(Key(id));
            foreach (var m in list)
            {
                w.WriteStringValue($"{Key(m.NetworkId)}|{Key(m.InviterId)}|{Times.Format(m.Timestamp)}");
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
    }

    private static void WriteIndex(Utf8JsonWriter w, string name, Dictionary<string, uint> index)
    {
        w.WriteStartObject(name);
        foreach (var (key, id) in index.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            w.WriteNumber(key, id);
        }

        w.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        w.WriteStartArray(name);
        foreach (var value in values)
        {
            w.WriteStringValue(value);
        }

        w.WriteEndArray();
    }

    private static string Key(uint id) => id.ToString(CultureInfo.InvariantCulture);
}

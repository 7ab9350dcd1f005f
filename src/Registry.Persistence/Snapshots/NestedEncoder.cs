using Registry.Persistence.Json;
using Registry.Persistence.Snapshots.Model;

namespace Registry.Persistence.Snapshots;

/// <summary>
/// Writes the nested types of §4.2. Types Go holds by pointer (<c>[]*HandshakeRelayMsg</c>, <c>*ProbeState</c>, ...)
/// write <c>null</c> for a missing value; types Go holds by value write their zero value instead, as Go would.
/// </summary>
internal static class NestedEncoder
{
    public static void Write(GoJsonWriter w, HandshakeRelayMsg? m)
    {
        if (m is null)
        {
            w.WriteNullValue();
            return;
        }

        w.WriteStartObject();
        GoFields.RequiredUInt(w, "from_node_id"u8, m.FromNodeId);
        GoFields.RequiredString(w, "justification"u8, m.Justification);
        GoFields.Time(w, "timestamp"u8, m.Timestamp);
        w.WriteEndObject();
    }

    public static void Write(GoJsonWriter w, HandshakeResponseMsg? m)
    {
        if (m is null)
        {
            w.WriteNullValue();
            return;
        }

        w.WriteStartObject();
        GoFields.RequiredUInt(w, "from_node_id"u8, m.FromNodeId);
        GoFields.RequiredBool(w, "accept"u8, m.Accept);
        GoFields.Time(w, "timestamp"u8, m.Timestamp);
        w.WriteEndObject();
    }

    public static void Write(GoJsonWriter w, NetworkInvite? m)
    {
        if (m is null)
        {
            w.WriteNullValue();
            return;
        }

        w.WriteStartObject();
        GoFields.RequiredUInt(w, "network_id"u8, m.NetworkId);
        GoFields.RequiredUInt(w, "inviter_id"u8, m.InviterId);
        GoFields.Time(w, "timestamp"u8, m.Timestamp);
        w.WriteEndObject();
    }

    public static void Write(GoJsonWriter w, ProbeState? p)
    {
        if (p is null)
        {
            w.WriteNullValue();
            return;
        }

        w.WriteStartObject();
        GoFields.Int(w, "last_success"u8, p.LastSuccess);
        GoFields.Intervals(w, "downtime_intervals"u8, p.DowntimeIntervals);
        GoFields.Int(w, "current_down_start"u8, p.CurrentDownStart);
        w.WriteEndObject();
    }

    public static void Write(GoJsonWriter w, StatsSample? s)
    {
        s ??= new StatsSample();
        w.WriteStartObject();
        GoFields.RequiredInt(w, "ts"u8, s.Timestamp);
        GoFields.RequiredInt(w, "total_nodes"u8, s.TotalNodes);
        GoFields.RequiredInt(w, "online_nodes"u8, s.OnlineNodes);
        GoFields.Int(w, "trust_links"u8, s.TrustLinks);
        GoFields.RequiredInt(w, "total_requests"u8, s.TotalRequests);
        w.WriteEndObject();
    }

    public static void Write(GoJsonWriter w, NetworkSampleEntry? s)
    {
        s ??= new NetworkSampleEntry();
        w.WriteStartObject();
        GoFields.RequiredInt(w, "ts"u8, s.Timestamp);
        GoFields.RequiredUInt(w, "id"u8, s.Id);
        GoFields.RequiredString(w, "name"u8, s.Name);
        GoFields.RequiredInt(w, "members"u8, s.Members);
        GoFields.RequiredInt(w, "online"u8, s.Online);
        GoFields.RequiredInt(w, "requests"u8, s.Requests);
        w.WriteEndObject();
    }

    public static void Write(GoJsonWriter w, AuditEntry? e)
    {
        e ??= new AuditEntry();
        w.WriteStartObject();
        GoFields.RequiredString(w, "timestamp"u8, e.Timestamp);
        GoFields.RequiredString(w, "action"u8, e.Action);
        GoFields.UInt(w, "network_id"u8, e.NetworkId);
        GoFields.UInt(w, "node_id"u8, e.NodeId);
        GoFields.String(w, "details"u8, e.Details);
        w.WriteEndObject();
    }

    public static void Write(GoJsonWriter w, NetworkPolicy p)
    {
        // membership.NetworkPolicy has no omitempty: all three members, allowed_ports may be null.
        w.WriteStartObject();
        GoFields.RequiredInt(w, "max_members"u8, p.MaxMembers);
        w.WritePropertyName("allowed_ports"u8);
        GoMap.WriteNumbers(w, p.AllowedPorts);
        GoFields.RequiredString(w, "description"u8, p.Description);
        w.WriteEndObject();
    }

    public static void Write(GoJsonWriter w, NetworkRules r)
    {
        w.WriteStartObject();
        GoFields.RequiredInt(w, "links"u8, r.Links);
        GoFields.RequiredString(w, "cycle"u8, r.Cycle);
        GoFields.RequiredInt(w, "prune"u8, r.Prune);
        GoFields.RequiredString(w, "prune_by"u8, r.PruneBy);
        GoFields.RequiredInt(w, "fill"u8, r.Fill);
        GoFields.RequiredString(w, "fill_how"u8, r.FillHow);
        GoFields.String(w, "grace"u8, r.Grace);
        w.WriteEndObject();
    }

    public static void Write(GoJsonWriter w, BlueprintIdentityProvider p)
    {
        w.WriteStartObject();
        GoFields.RequiredString(w, "type"u8, p.Type);
        GoFields.RequiredString(w, "url"u8, p.Url);
        GoFields.String(w, "issuer"u8, p.Issuer);
        GoFields.String(w, "client_id"u8, p.ClientId);
        GoFields.String(w, "tenant_id"u8, p.TenantId);
        GoFields.String(w, "domain"u8, p.Domain);
        w.WriteEndObject();
    }

    public static void Write(GoJsonWriter w, BlueprintAuditExport e)
    {
        w.WriteStartObject();
        GoFields.RequiredString(w, "format"u8, e.Format);
        GoFields.RequiredString(w, "endpoint"u8, e.Endpoint);
        GoFields.String(w, "token"u8, e.Token);
        GoFields.String(w, "index"u8, e.Index);
        GoFields.String(w, "source"u8, e.Source);
        w.WriteEndObject();
    }

    public static void Write(GoJsonWriter w, BlueprintRole? r)
    {
        r ??= new BlueprintRole();
        w.WriteStartObject();
        GoFields.RequiredString(w, "external_id"u8, r.ExternalId);
        GoFields.RequiredString(w, "role"u8, r.Role);
        w.WriteEndObject();
    }
}

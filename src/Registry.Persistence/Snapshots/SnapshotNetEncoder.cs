using Registry.Persistence.Json;
using Registry.Persistence.Snapshots.Model;

namespace Registry.Persistence.Snapshots;

/// <summary>Writes a <see cref="SnapshotNet"/> in the Go member order of §4.2.</summary>
internal static class SnapshotNetEncoder
{
    public static void Write(GoJsonWriter w, SnapshotNet? n)
    {
        if (n is null)
        {
            w.WriteNullValue();
            return;
        }

        w.WriteStartObject();
        GoFields.RequiredUInt(w, "id"u8, n.Id);
        GoFields.RequiredString(w, "name"u8, n.Name);
        GoFields.RequiredString(w, "join_rule"u8, n.JoinRule);
        GoFields.String(w, "token"u8, n.Token);
        w.WritePropertyName("members"u8);
        GoMap.WriteNumbers(w, n.Members);
        if (n.MemberRoles is { Count: > 0 } roles)
        {
            w.WritePropertyName("member_roles"u8);
            GoMap.Write(w, roles, static (w, role) => w.WriteStringValue(role ?? string.Empty));
        }

        if (n.MemberTags is { Count: > 0 } tags)
        {
            w.WritePropertyName("member_tags"u8);
            GoMap.Write(w, tags, GoMap.WriteStrings);
        }

        GoFields.String(w, "admin_token"u8, n.AdminToken);
        if (n.Policy is { } policy)
        {
            w.WritePropertyName("policy"u8);
            NestedEncoder.Write(w, policy);
        }

        if (n.Rules is { } rules)
        {
            w.WritePropertyName("rules"u8);
            NestedEncoder.Write(w, rules);
        }

        if (n.ExprPolicy is { Length: > 0 } expr)
        {
            w.WritePropertyName("expr_policy"u8);
            w.WriteRawCompacted(expr);
        }

        GoFields.Bool(w, "enterprise"u8, n.Enterprise);
        GoFields.Int(w, "request_count"u8, n.RequestCount);
        GoFields.RequiredString(w, "created"u8, n.Created);
        w.WriteEndObject();
    }
}

using System.Text.Json.Serialization;

namespace Registry.Persistence.Snapshots.Model;

/// <summary>A network as the Go <c>SnapshotNet</c> writes it (format-spec §4.2).</summary>
public sealed class SnapshotNet
{
    /// <summary>Network id.</summary>
    [JsonPropertyName("id")]
    public ushort Id { get; set; }

    /// <summary>Name; always written.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    /// <summary><c>open</c>, <c>token</c> or <c>invite</c>; always written.</summary>
    [JsonPropertyName("join_rule")]
    [JsonConverter(typeof(PooledStringConverter))]
    public string? JoinRule { get; set; }

    /// <summary>Join token.</summary>
    [JsonPropertyName("token")]
    public string? Token { get; set; }

    /// <summary>Member node ids; <see langword="null"/> is written as <c>null</c>, which is how Go writes an empty network.</summary>
    [JsonPropertyName("members")]
    public List<uint>? Members { get; set; }

    /// <summary>Roles by decimal node id.</summary>
    [JsonPropertyName("member_roles")]
    [JsonConverter(typeof(PooledRoleMapConverter))]
    public Dictionary<string, string?>? MemberRoles { get; set; }

    /// <summary>Tags by decimal node id; a <see langword="null"/> list is written as <c>null</c>, an empty one as <c>[]</c>.</summary>
    [JsonPropertyName("member_tags")]
    public Dictionary<string, List<string>?>? MemberTags { get; set; }

    /// <summary>Admin token.</summary>
    [JsonPropertyName("admin_token")]
    public string? AdminToken { get; set; }

    /// <summary>Membership policy.</summary>
    [JsonPropertyName("policy")]
    public NetworkPolicy? Policy { get; set; }

    /// <summary>Topology rules.</summary>
    [JsonPropertyName("rules")]
    public NetworkRules? Rules { get; set; }

    /// <summary>The expression policy as the raw UTF-8 of the JSON value read (a Go <c>json.RawMessage</c>); written compacted (§6.4).</summary>
    [JsonPropertyName("expr_policy")]
    [JsonConverter(typeof(RawJsonConverter))]
    public byte[]? ExprPolicy { get; set; }

    /// <summary>Enterprise network.</summary>
    [JsonPropertyName("enterprise")]
    public bool Enterprise { get; set; }

    /// <summary>Request counter.</summary>
    [JsonPropertyName("request_count")]
    public long RequestCount { get; set; }

    /// <summary>Creation time, RFC 3339 text; always written.</summary>
    [JsonPropertyName("created")]
    public string? Created { get; set; }
}

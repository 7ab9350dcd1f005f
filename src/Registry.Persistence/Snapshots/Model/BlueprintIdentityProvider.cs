using System.Text.Json.Serialization;

namespace Registry.Persistence.Snapshots.Model;

/// <summary>Identity-provider configuration (Go <c>wire.BlueprintIdentityProvider</c>).</summary>
public sealed class BlueprintIdentityProvider
{
    /// <summary><c>oidc</c>, <c>saml</c>, <c>webhook</c>, <c>entra_id</c> or <c>ldap</c>; always written.</summary>
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    /// <summary>Verification URL; always written.</summary>
    [JsonPropertyName("url")]
    public string? Url { get; set; }

    /// <summary>Issuer.</summary>
    [JsonPropertyName("issuer")]
    public string? Issuer { get; set; }

    /// <summary>Client id.</summary>
    [JsonPropertyName("client_id")]
    public string? ClientId { get; set; }

    /// <summary>Tenant id.</summary>
    [JsonPropertyName("tenant_id")]
    public string? TenantId { get; set; }

    /// <summary>Domain.</summary>
    [JsonPropertyName("domain")]
    public string? Domain { get; set; }
}

using Microsoft.Extensions.Time.Testing;
using Registry.Persistence.Tests;

namespace Registry.Server.Tests.Registry;

/// <summary>set_key_expiry (S|A, enterprise membership), get_key_info, set_external_id and get_identity (A) over TCP, on a fake clock.</summary>
public sealed class IdentityHandlerTests : StoreHostTestBase
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private protected override TimeProvider? Time => _time;

    private protected override IReadOnlyDictionary<string, string?>? Settings => NextTierSetup.FakeClockSettings;

    [Fact]
    public async Task KeyExpiry_SetReportedClearedAndRotation_WithTheDocumentedErrors()
    {
        var ct = Timeouts.Bounded();
        using var client = await Host.ConnectAsync(ct);
        using var key = new NodeKey();
        using var next = new NodeKey();
        var id = await client.RegisterAsync(key, ct);
        var sign = key.Sign($"set_key_expiry:{id}");

        Assert.Equal($"{{\"created_at\":\"2026-01-01T00:00:00Z\",\"key_age_days\":0,\"node_id\":{id},\"rotate_count\":0,\"type\":\"get_key_info_ok\"}}", (await client.OkAsync(new { type = "get_key_info", node_id = id }, ct)).ToString());
        Assert.Equal("node 99: node not found", await client.ErrorAsync(new { type = "get_key_info", node_id = 99 }, ct));
        Assert.Equal("enterprise feature: key expiry requires enterprise network membership", await client.ErrorAsync(new { type = "set_key_expiry", node_id = id, expires_at = "2026-02-01T00:00:00Z", signature = sign }, ct));

        await NextTierSetup.CreateNetworkAsync(client, id, "corp", ct);
        Assert.Equal("signature verification failed", await client.ErrorAsync(new { type = "set_key_expiry", node_id = id, expires_at = "2026-02-01T00:00:00Z", signature = next.Sign($"set_key_expiry:{id}") }, ct));
        Assert.Equal("signature required for authenticated node", await client.ErrorAsync(new { type = "set_key_expiry", node_id = id, expires_at = "2026-02-01T00:00:00Z" }, ct));
        Assert.Equal("node 99: node not found", await client.ErrorAsync(new { type = "set_key_expiry", node_id = 99, expires_at = "never", signature = sign }, ct));
        Assert.Equal("invalid expires_at: \"soon\" is not an RFC 3339 time", await client.ErrorAsync(new { type = "set_key_expiry", node_id = id, expires_at = "soon", signature = sign }, ct));
        Assert.Equal("invalid expires_at: must be within 10 years", await client.ErrorAsync(new { type = "set_key_expiry", node_id = id, expires_at = "2040-01-01T00:00:00Z", signature = sign }, ct));

        // "expires_at must be in the future" names none of the sanitizer's words.
        Assert.Equal("request failed", await client.ErrorAsync(new { type = "set_key_expiry", node_id = id, expires_at = "2025-12-31T00:00:00Z", signature = sign }, ct));

        var set = await client.OkAsync(new { type = "set_key_expiry", node_id = id, expires_at = "2026-02-01T00:00:00Z", signature = sign }, ct);
        Assert.Equal($"{{\"expires_at\":\"2026-02-01T00:00:00Z\",\"node_id\":{id},\"type\":\"set_key_expiry_ok\"}}", set.ToString());
        _time.Advance(TimeSpan.FromDays(3));
        Assert.Equal($"{{\"created_at\":\"2026-01-01T00:00:00Z\",\"expires_at\":\"2026-02-01T00:00:00Z\",\"key_age_days\":3,\"node_id\":{id},\"rotate_count\":0,\"type\":\"get_key_info_ok\"}}", (await client.OkAsync(new { type = "get_key_info", node_id = id }, ct)).ToString());

        await client.OkAsync(new { type = "rotate_key", node_id = id, new_public_key = next.PublicKey, signature = key.Sign($"rotate:{id}:{next.PublicKey}") }, ct);
        _time.Advance(TimeSpan.FromDays(1));
        var rotated = await client.OkAsync(new { type = "get_key_info", node_id = id }, ct);
        Assert.Equal($"{{\"created_at\":\"2026-01-01T00:00:00Z\",\"expires_at\":\"2026-02-01T00:00:00Z\",\"key_age_days\":1,\"node_id\":{id},\"rotate_count\":1,\"rotated_at\":\"2026-01-04T00:00:00Z\",\"type\":\"get_key_info_ok\"}}", rotated.ToString());

        // The admin token stands in for the signature (S|A); "never" clears and the reply then has no expires_at.
        Assert.Equal($"{{\"node_id\":{id},\"type\":\"set_key_expiry_ok\"}}", (await client.OkAsync(new { type = "set_key_expiry", node_id = id, expires_at = "never", admin_token = RegistryTestHost.AdminToken }, ct)).ToString());
        Assert.False((await client.OkAsync(new { type = "get_key_info", node_id = id }, ct)).TryGetProperty("expires_at", out _));
    }

    [Fact]
    public async Task ExternalIdAndIdentity_AdminOnly_WithTheDocumentedErrors()
    {
        var ct = Timeouts.Bounded();
        using var client = await Host.ConnectAsync(ct);
        using var key = new NodeKey();
        var id = (await client.OkAsync(new { type = "register", public_key = key.PublicKey, owner = "alice@example.com" }, ct)).GetProperty("node_id").GetUInt32();

        Assert.Equal($"{{\"external_id\":\"\",\"node_id\":{id},\"owner\":\"alice@example.com\",\"type\":\"get_identity_ok\"}}", (await client.OkAsync(new { type = "get_identity", node_id = id, admin_token = RegistryTestHost.AdminToken }, ct)).ToString());
        var set = await client.OkAsync(new { type = "set_external_id", node_id = id, external_id = "alice-corp", admin_token = RegistryTestHost.AdminToken }, ct);
        Assert.Equal($"{{\"external_id\":\"alice-corp\",\"node_id\":{id},\"type\":\"set_external_id_ok\"}}", set.ToString());
        Assert.Equal($"{{\"external_id\":\"alice-corp\",\"node_id\":{id},\"owner\":\"alice@example.com\",\"type\":\"get_identity_ok\"}}", (await client.OkAsync(new { type = "get_identity", node_id = id, admin_token = RegistryTestHost.AdminToken }, ct)).ToString());
        Assert.Equal("alice-corp", (await client.OkAsync(new { type = "lookup", node_id = id }, ct)).GetProperty("external_id").GetString());

        Assert.Equal("invalid admin token", await client.ErrorAsync(new { type = "set_external_id", node_id = id, external_id = "mallory", admin_token = "wrong" }, ct));
        Assert.Equal("invalid admin token", await client.ErrorAsync(new { type = "get_identity", node_id = id }, ct));
        Assert.Equal("node 99: node not found", await client.ErrorAsync(new { type = "set_external_id", node_id = 99, external_id = "x", admin_token = RegistryTestHost.AdminToken }, ct));
        Assert.Equal("node 99: node not found", await client.ErrorAsync(new { type = "get_identity", node_id = 99, admin_token = RegistryTestHost.AdminToken }, ct));
        Assert.Equal("alice-corp", (await client.OkAsync(new { type = "get_identity", node_id = id, admin_token = RegistryTestHost.AdminToken }, ct)).GetProperty("external_id").GetString());
    }
}

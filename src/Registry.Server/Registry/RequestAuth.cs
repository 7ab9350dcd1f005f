using System.Text.Json;
using Registry.Core;
using Registry.Server.Protocol;
using Registry.Server.Security;
using Registry.Server.Transport;

namespace Registry.Server.Registry;

/// <summary>The authentication rules of §2.1 and §2.2 over the registry's stored keys and roles.</summary>
/// <remarks>
/// An unknown node fails with the protocol's domain error "node N: node not found" (which makes a daemon
/// re-register) rather than passing through to Core: a node registered between the check and the mutation must
/// not be changed by a request nobody signed.
/// </remarks>
internal sealed class RequestAuth(NodeRegistry registry, SignatureVerifier verifier, AdminToken adminToken)
{
    /// <summary>True when the request's <c>admin_token</c> is the configured global admin token.</summary>
    public bool IsAdmin(JsonElement request) => adminToken.IsValid(RequestFields.GetString(request, "admin_token"));

    /// <summary>The global admin check (A): null when allowed, else "network creation is disabled" / "invalid admin token".</summary>
    public string? RequireAdmin(JsonElement request) => adminToken.Check(RequestFields.GetString(request, "admin_token"));

    /// <summary>Sig: the node's signature over <paramref name="challenge"/> (a keyless node needs the admin token); null when allowed.</summary>
    /// <remarks>On a thread serving many connections (<see cref="EngineThread"/>), a check that needs Ed25519 continues on the pool.</remarks>
    public ValueTask<string?> RequireSignatureAsync(JsonElement request, uint nodeId, string challenge) =>
        VerifyAsync(request, nodeId, challenge, IsAdmin(request));

    /// <summary>S|A: the node's signature, or else a valid global admin token; null when allowed.</summary>
    public ValueTask<string?> RequireSignatureOrAdminAsync(JsonElement request, uint nodeId, string challenge)
    {
        var admin = IsAdmin(request);
        return admin ? ValueTask.FromResult<string?>(null) : VerifyAsync(request, nodeId, challenge, admin);
    }

    /// <summary>R(roles), §2.2: global admin token, else the network's admin token, else the role of <c>node_id</c> (trusted as sent, as in Go).</summary>
    public string? RequireNetworkRole(JsonElement request, ushort networkId, params string[] roles) =>
        RequireNetworkRole(request, networkId, RequestFields.GetUInt32(request, "node_id"), roles);

    /// <summary>R(roles) for the node the request names in another member (invite_to_network's <c>inviter_id</c>); null when allowed.</summary>
    public string? RequireNetworkRole(JsonElement request, ushort networkId, uint nodeId, params string[] roles)
    {
        if (IsAdmin(request))
        {
            return null;
        }

        if (registry.GetNetwork(networkId) is null)
        {
            return $"network {networkId}: network not found";
        }

        if (registry.NetworkAdminTokenMatches(networkId, RequestFields.GetString(request, "admin_token")))
        {
            return null;
        }

        if (nodeId == 0)
        {
            return "rbac: node_id required for role-based authorization";
        }

        var role = registry.RoleOf(nodeId, networkId);
        if (role is null)
        {
            return $"rbac: node {nodeId} has no role in network {networkId}";
        }

        return roles.Contains(role, StringComparer.Ordinal)
            ? null
            : $"rbac: node {nodeId} has role \"{role}\", requires one of [{string.Join(' ', roles)}]";
    }

    /// <summary>Checks a signature against a key the caller already read (rotate_key verifies by the current key); null when valid.</summary>
    public string? VerifyWithKey(string key, string signature, string challenge) => verifier.VerifyNode(key, signature, challenge, adminTokenValid: false);

    /// <summary>The protocol's text for an unknown node.</summary>
    public static string NotFound(uint nodeId) => $"node {nodeId}: node not found";

    /// <summary>Sig for the binary protocol (§1.3): the node's raw signature over <paramref name="challenge"/>; there is no admin token there. Null when allowed.</summary>
    public string? RequireRawSignature(uint nodeId, ReadOnlySpan<byte> signature, string challenge) =>
        KnownNode(nodeId, out var key) is { } notFound ? notFound : verifier.VerifyNodeRaw(key, signature, challenge);

    private ValueTask<string?> VerifyAsync(JsonElement request, uint nodeId, string challenge, bool admin)
    {
        if (KnownNode(nodeId, out var key) is { } notFound)
        {
            return ValueTask.FromResult<string?>(notFound);
        }

        var signature = RequestFields.GetString(request, "signature");
        if (verifier.TryVerifyCheaply(key, signature, challenge, admin, out var result))
        {
            return ValueTask.FromResult(result);
        }

        if (VerificationBatch.Current is { } batch)
        {
            // Dispatched by an event loop: computed with the rest of its pass's checks, continuing on the loop.
            return batch.Add(verifier, key!, signature!, challenge);
        }

        // About 70 µs of Ed25519: not on a socket engine thread, which serves every other connection meanwhile.
        return EngineThread.ShouldOffload ? VerifyOnPoolAsync(key!, signature!, challenge) : ValueTask.FromResult(verifier.VerifyComputed(key!, signature!, challenge));
    }

    private async ValueTask<string?> VerifyOnPoolAsync(string key, string signature, string challenge)
    {
        await EngineThread.Leave();
        return verifier.VerifyComputed(key, signature, challenge);
    }

    private string? KnownNode(uint nodeId, out string? key)
    {
        key = registry.PublicKeyOf(nodeId);
        return key is null && registry.Lookup(nodeId) is null ? NotFound(nodeId) : null;
    }
}

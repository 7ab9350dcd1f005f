using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Source-generated System.Text.Json metadata for every delta payload; no reflection at run time.</summary>
/// <remarks>
/// Decoding follows Go's rules where System.Text.Json allows: case-insensitive names, unknown members
/// ignored, the last duplicate wins, <c>null</c> leaves the zero value (the Go* converters), integers must be
/// plain literals in range. Output is compact and in declaration order (Go's member order), with Go's
/// omitempty mirrored by <see cref="JsonIgnoreCondition.WhenWritingDefault"/>; string escaping differs from
/// Go's, which only matters for byte-exact output, not for decoding.
/// Non-optional strings and lists turn null into empty in their init accessors: the generator passes
/// null for an absent init-only member, which would otherwise override the initializer.
/// </remarks>
[JsonSourceGenerationOptions(
    PropertyNameCaseInsensitive = true,
    Converters = [typeof(GoUnsignedConverter<uint>), typeof(GoUnsignedConverter<ushort>), typeof(GoBoolConverter), typeof(GoStringConverter)])]
[JsonSerializable(typeof(RegisterDelta))]
[JsonSerializable(typeof(DeregisterDelta))]
[JsonSerializable(typeof(KeyRotationDelta))]
[JsonSerializable(typeof(NetworkCreateDelta))]
[JsonSerializable(typeof(NetworkDeleteDelta))]
[JsonSerializable(typeof(NetworkMembershipDelta))]
[JsonSerializable(typeof(HeartbeatDelta))]
[JsonSerializable(typeof(TrustPairDelta))]
[JsonSerializable(typeof(VisibilityDelta))]
[JsonSerializable(typeof(HostnameDelta))]
[JsonSerializable(typeof(TagsDelta))]
[JsonSerializable(typeof(TaskExecDelta))]
[JsonSerializable(typeof(NodeUpdateDelta))]
[JsonSerializable(typeof(HandshakeRequestDelta))]
[JsonSerializable(typeof(HandshakeResponseDelta))]
[JsonSerializable(typeof(HandshakePollDelta))]
[JsonSerializable(typeof(ReapDelta))]
[JsonSerializable(typeof(KeyExpiryDelta))]
[JsonSerializable(typeof(NetworkRenameDelta))]
[JsonSerializable(typeof(NetworkEnterpriseDelta))]
[JsonSerializable(typeof(InviteInboxDelta))]
[JsonSerializable(typeof(MemberRolesDelta))]
[JsonSerializable(typeof(MemberTagsDelta))]
[JsonSerializable(typeof(NetworkPolicyDelta))]
[JsonSerializable(typeof(ExprPolicyDelta))]
[JsonSerializable(typeof(ExternalIdDelta))]
public sealed partial class DeltaJsonContext : JsonSerializerContext;

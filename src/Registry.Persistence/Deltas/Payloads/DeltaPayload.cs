using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Encodes and decodes the typed payloads carried in <see cref="DeltaEntry.Data"/>.</summary>
/// <remarks>
/// Encoding gives compact UTF-8 JSON that Go's decoder reads into the same values (not always Go's exact bytes:
/// Go escapes <c>&lt;</c>, <c>&gt;</c>, <c>&amp;</c> and writes emoji raw). Decoding accepts what Go's <c>json.Unmarshal</c> accepts for these
/// structs, except two rare spellings documented in <c>docs/delta-kinds.md</c>. Thread-safe.
/// </remarks>
public static class DeltaPayload
{
    // The relaxed encoder leaves '+', '<', '>', '&' and non-ASCII letters raw, so base64 keys and names stay
    // readable in dumps; the output is still valid JSON that Go decodes to the same strings. Payloads are
    // never embedded in HTML, the one place where that escaping would matter.
    private static readonly JsonSerializerOptions _options = new(DeltaJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>Serializes a payload to compact UTF-8 JSON, members in Go's order, omitempty members left out when empty.</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not one of the payload types.</exception>
    public static byte[] Encode<T>(T payload)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(payload);
        return HotPayloadWriter.TryWrite(payload, out var encoded) ? encoded.ToArray() : EncodeWithSerializer(payload);
    }

    /// <summary>As <see cref="Encode{T}"/>, but register, heartbeat and tags deltas go into a buffer of the calling thread that the next call on it reuses.</summary>
    /// <remarks>For a caller that copies the bytes, or stops using them, before it encodes again on the same thread: the registry, which appends them to the log (a copy) and applies them at once, so those requests allocate no payload array.</remarks>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not one of the payload types.</exception>
    public static ReadOnlyMemory<byte> EncodeTransient<T>(T payload)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(payload);
        return HotPayloadWriter.TryWrite(payload, out var encoded) ? encoded : EncodeWithSerializer(payload);
    }

    /// <summary>What <see cref="Encode{T}"/> writes for every kind but register, heartbeat and tags, which have a hand-written writer giving the same bytes.</summary>
    internal static byte[] EncodeWithSerializer<T>(T payload)
        where T : class => JsonSerializer.SerializeToUtf8Bytes(payload, TypeInfo<T>());

    /// <summary>Deserializes a payload; a body of <c>null</c> gives the all-zero payload, as in Go.</summary>
    /// <exception cref="DeltaPayloadException">The payload is empty, has a byte-order mark, is not valid JSON or does not fit <typeparamref name="T"/>.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not one of the payload types.</exception>
    public static T Decode<T>(ReadOnlySpan<byte> data)
        where T : class, new()
    {
        var info = TypeInfo<T>();
        if (data.IsEmpty)
        {
            throw new DeltaPayloadException($"{typeof(T).Name} payload is missing");
        }

        if (data.StartsWith(Utf8Bom))
        {
            throw new DeltaPayloadException($"{typeof(T).Name} payload starts with a byte-order mark, which Go rejects");
        }

        try
        {
            return JsonSerializer.Deserialize(data, info) ?? new T();
        }
        catch (JsonException ex)
        {
            throw new DeltaPayloadException($"{typeof(T).Name} payload does not decode: {ex.Message}", ex);
        }
        catch (InvalidOperationException ex)
        {
            // Raised for text System.Text.Json cannot transcode (for example invalid UTF-8 inside a string).
            throw new DeltaPayloadException($"{typeof(T).Name} payload does not decode: {ex.Message}", ex);
        }
    }

    /// <summary>Decodes the payload of an entry into the record type of its kind, or returns null for a kind without a payload type (0, and kinds this build does not define).</summary>
    /// <exception cref="DeltaPayloadException">The kind has a payload type and the data does not decode into it.</exception>
    public static object? Decode(DeltaType type, ReadOnlySpan<byte> data) => type switch
    {
        DeltaType.Register => Decode<RegisterDelta>(data),
        DeltaType.Deregister => Decode<DeregisterDelta>(data),
        DeltaType.Heartbeat => Decode<HeartbeatDelta>(data),
        DeltaType.TrustAdd or DeltaType.TrustRevoke => Decode<TrustPairDelta>(data),
        DeltaType.Visibility => Decode<VisibilityDelta>(data),
        DeltaType.Hostname => Decode<HostnameDelta>(data),
        DeltaType.Tags => Decode<TagsDelta>(data),
        DeltaType.NetworkCreate => Decode<NetworkCreateDelta>(data),
        DeltaType.NetworkJoin or DeltaType.NetworkLeave => Decode<NetworkMembershipDelta>(data),
        DeltaType.KeyRotation => Decode<KeyRotationDelta>(data),
        DeltaType.TaskExec => Decode<TaskExecDelta>(data),
        DeltaType.NetworkDelete => Decode<NetworkDeleteDelta>(data),
        DeltaType.NodeUpdate => Decode<NodeUpdateDelta>(data),
        DeltaType.HandshakeRequest => Decode<HandshakeRequestDelta>(data),
        DeltaType.HandshakeResponse => Decode<HandshakeResponseDelta>(data),
        DeltaType.HandshakePoll => Decode<HandshakePollDelta>(data),
        DeltaType.Reap => Decode<ReapDelta>(data),
        DeltaType.KeyExpiry => Decode<KeyExpiryDelta>(data),
        DeltaType.NetworkRename => Decode<NetworkRenameDelta>(data),
        DeltaType.NetworkEnterprise => Decode<NetworkEnterpriseDelta>(data),
        DeltaType.InviteInbox => Decode<InviteInboxDelta>(data),
        DeltaType.MemberRoles => Decode<MemberRolesDelta>(data),
        DeltaType.MemberTags => Decode<MemberTagsDelta>(data),
        DeltaType.NetworkPolicy => Decode<NetworkPolicyDelta>(data),
        DeltaType.ExprPolicy => Decode<ExprPolicyDelta>(data),
        DeltaType.ExternalId => Decode<ExternalIdDelta>(data),
        _ => null,
    };

    /// <summary>Whether decoding <paramref name="encoded"/>, just produced by <see cref="Encode{T}"/> for a <paramref name="type"/> payload, gives back an object equal to the one encoded.</summary>
    /// <remarks>
    /// True for the payloads made of strings, numbers, booleans and lists of them, unless a string held a lone
    /// surrogate: encoding writes U+FFFD for it, so any U+FFFD in the output counts as a change. False for the kinds
    /// that carry raw JSON documents (network rules, expression policies), which encoding re-serializes.
    /// </remarks>
    public static bool RoundTripsExactly(DeltaType type, ReadOnlySpan<byte> encoded) =>
        type is not (DeltaType.None or DeltaType.NetworkCreate or DeltaType.ExprPolicy)
        && encoded.IndexOf("\uFFFD"u8) < 0
        && encoded.IndexOf("\\uFFFD"u8) < 0
        && encoded.IndexOf("\\ufffd"u8) < 0;

    /// <summary>Formats a time the way the registry writes payload times: RFC 3339 in UTC with whole seconds, e.g. <c>2026-05-12T08:00:00Z</c>.</summary>
    public static string FormatTimestamp(DateTimeOffset time) =>
        string.Create(20, time.UtcDateTime, static (chars, utc) =>
        {
            // "s" is the sortable yyyy-MM-ddTHH:mm:ss pattern, which .NET formats without parsing a custom pattern.
            utc.TryFormat(chars, out _, "s", CultureInfo.InvariantCulture);
            chars[19] = 'Z';
        });

    private static JsonTypeInfo<T> TypeInfo<T>() => TypeInfoCache<T>.Info ?? throw new NotSupportedException($"{typeof(T).Name} is not a delta payload type");

    /// <summary>One metadata lookup per payload type: looking it up per call measured as most of a small payload's decode time.</summary>
    private static class TypeInfoCache<T>
    {
        // The context also answers for object and primitives; only the payload records are objects with members.
        public static readonly JsonTypeInfo<T>? Info =
            _options.TryGetTypeInfo(typeof(T), out var info) && info is JsonTypeInfo<T> typed && info.Kind == JsonTypeInfoKind.Object ? typed : null;
    }
}

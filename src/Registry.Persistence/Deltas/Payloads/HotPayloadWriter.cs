using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Writes the payloads appended at request rate (register, heartbeat, tags) with a plain <see cref="Utf8JsonWriter"/>, byte for byte what the serializer writes for them.</summary>
/// <remarks>
/// Why: these deltas are appended on the event loop's thread, and the serializer's metadata path (taken for every
/// payload type because the Go* converters apply to all of them) was 6–7% of that thread's samples under register
/// load. Same members, order, omissions and escaping as <see cref="DeltaPayload.EncodeWithSerializer{T}"/>; a test
/// compares the two on random values. The other kinds are rare enough to keep the serializer.
/// </remarks>
internal static class HotPayloadWriter
{
    private const int MaxRetainedBytes = 64 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>The encoded payload in a buffer of the calling thread, valid until the next call on it; false (and nothing written) for the other kinds.</summary>
    public static bool TryWrite(object payload, out ReadOnlyMemory<byte> encoded)
    {
        switch (payload)
        {
            case RegisterDelta register:
                encoded = Write(register);
                return true;
            case HeartbeatDelta heartbeat:
                var w = Start();
                w.WriteStartObject();
                w.WriteNumber("node_id"u8, heartbeat.NodeId);
                w.WriteString("last_seen"u8, heartbeat.LastSeen);
                encoded = End(w);
                return true;
            case TagsDelta tags:
                w = Start();
                w.WriteStartObject();
                w.WriteNumber("node_id"u8, tags.NodeId);
                Strings(w, "tags"u8, tags.Tags);
                encoded = End(w);
                return true;
            default:
                encoded = default;
                return false;
        }
    }

    private static ReadOnlyMemory<byte> Write(RegisterDelta delta)
    {
        var w = Start();
        w.WriteStartObject();
        w.WriteNumber("node_id"u8, delta.NodeId);
        Optional(w, "owner"u8, delta.Owner);
        w.WriteString("public_key"u8, delta.PublicKey);
        Optional(w, "real_addr"u8, delta.RealAddr);
        Optional(w, "hostname"u8, delta.Hostname);
        if (delta.LanAddrs is { } lan)
        {
            Strings(w, "lan_addrs"u8, lan);
        }

        Optional(w, "version"u8, delta.Version);
        Optional(w, "created_at"u8, delta.CreatedAt);
        if (delta.RelayOnly)
        {
            w.WriteBoolean("relay_only"u8, true);
        }

        return End(w);
    }

    /// <summary>The thread's writer, reset over its emptied buffer.</summary>
    private static Utf8JsonWriter Start()
    {
        if (t_buffer is { Capacity: > MaxRetainedBytes })
        {
            // One huge payload must not pin its buffer on this thread forever; memory handed out earlier stays valid.
            t_buffer = null;
        }

        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(512);
        buffer.ResetWrittenCount();
        var w = t_writer ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        w.Reset(buffer);
        return w;
    }

    private static ReadOnlyMemory<byte> End(Utf8JsonWriter w)
    {
        w.WriteEndObject();
        w.Flush();
        return t_buffer!.WrittenMemory;
    }

    private static void Strings(Utf8JsonWriter w, ReadOnlySpan<byte> name, IReadOnlyList<string> values)
    {
        w.WriteStartArray(name);
        foreach (var value in values)
        {
            // The serializer's string converter writes a null element as "".
            w.WriteStringValue(value ?? string.Empty);
        }

        w.WriteEndArray();
    }

    /// <summary>A member omitted when null (the payload's omitempty).</summary>
    private static void Optional(Utf8JsonWriter w, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }
}

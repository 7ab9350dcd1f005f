using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Writes a <see cref="RegisterDelta"/> with a plain <see cref="Utf8JsonWriter"/>, byte for byte what the serializer writes for it.</summary>
/// <remarks>
/// Why: a register appends this delta on the event loop's thread, and the serializer's metadata path (taken for every
/// payload type because the Go* converters apply to all of them) was 6–7% of that thread's samples under register
/// load. Same members, order, omissions and escaping as <see cref="DeltaPayload.EncodeWithSerializer{T}"/>; a test
/// compares the two on random values. The other kinds are rare enough to keep the serializer.
/// </remarks>
internal static class RegisterDeltaWriter
{
    private const int MaxRetainedBytes = 64 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public static byte[] Encode(RegisterDelta delta) => Write(delta).ToArray();

    /// <summary>The encoded delta in a buffer of the calling thread, valid until the next call on it.</summary>
    public static ReadOnlyMemory<byte> Write(RegisterDelta delta)
    {
        if (t_buffer is { Capacity: > MaxRetainedBytes })
        {
            // One huge delta must not pin its buffer on this thread forever; memory handed out earlier stays valid.
            t_buffer = null;
        }

        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(512);
        buffer.ResetWrittenCount();
        var w = t_writer ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        w.Reset(buffer);
        w.WriteStartObject();
        w.WriteNumber("node_id"u8, delta.NodeId);
        Optional(w, "owner"u8, delta.Owner);
        w.WriteString("public_key"u8, delta.PublicKey);
        Optional(w, "real_addr"u8, delta.RealAddr);
        Optional(w, "hostname"u8, delta.Hostname);
        if (delta.LanAddrs is { } lan)
        {
            w.WriteStartArray("lan_addrs"u8);
            foreach (var addr in lan)
            {
                // The serializer's string converter writes a null element as "".
                w.WriteStringValue(addr ?? string.Empty);
            }

            w.WriteEndArray();
        }

        Optional(w, "version"u8, delta.Version);
        Optional(w, "created_at"u8, delta.CreatedAt);
        if (delta.RelayOnly)
        {
            w.WriteBoolean("relay_only"u8, true);
        }

        w.WriteEndObject();
        w.Flush();
        return buffer.WrittenMemory;
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

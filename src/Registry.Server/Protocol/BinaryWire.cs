using System.Buffers;
using System.Buffers.Binary;

namespace Registry.Server.Protocol;

/// <summary>Constants of the binary protocol (wire protocol §1.3): the preamble and the message types.</summary>
/// <remarks>
/// A connection whose first four bytes are "PILT" speaks binary; read as a JSON length those bytes would exceed any
/// size limit, so the two protocols cannot be confused. The next byte is the version; only 1 exists.
/// A binary frame is <c>[u32 BE length = 1 + payload length][u8 message type][payload]</c>.
/// </remarks>
public static class BinaryWire
{
    /// <summary>The only binary protocol version.</summary>
    public const byte Version = 1;

    /// <summary>A raw JSON request or response body (both directions).</summary>
    public const byte Json = 0x00;

    /// <summary>Request: u32 node id, 64-byte raw signature of <c>heartbeat:&lt;id&gt;</c>.</summary>
    public const byte Heartbeat = 0x01;

    /// <summary>Request: u32 node id.</summary>
    public const byte Lookup = 0x02;

    /// <summary>Request: u32 node id, u32 requester id, 64-byte raw signature of <c>resolve:&lt;requester&gt;:&lt;node&gt;</c>.</summary>
    public const byte Resolve = 0x03;

    /// <summary>The bit a success reply sets on its request type (0x01 → 0x81).</summary>
    public const byte ReplyBit = 0x80;

    /// <summary>Response: u16 length + UTF-8 message (not sanitized).</summary>
    public const byte Error = 0xFF;

    /// <summary>Length of a raw Ed25519 signature in a binary request.</summary>
    public const int SignatureBytes = 64;

    /// <summary>The preamble's magic bytes, "PILT".</summary>
    public static ReadOnlySpan<byte> Magic => "PILT"u8;

    /// <summary>Appends one binary frame, <c>[u32 BE length = 1 + payload length][type][payload]</c>, to <paramref name="output"/>.</summary>
    public static void WriteFrame(IBufferWriter<byte> output, byte type, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(output);
        var span = output.GetSpan(5 + payload.Length);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)(1 + payload.Length));
        span[4] = type;
        payload.CopyTo(span[5..]);
        output.Advance(5 + payload.Length);
    }

    /// <summary>The request-type label of a binary message type in metrics and logs ("binary_lookup"); JSON frames use their <c>type</c>.</summary>
    public static string MetricName(byte type) => type switch
    {
        Heartbeat => "binary_heartbeat",
        Lookup => "binary_lookup",
        Resolve => "binary_resolve",
        _ => "binary_unknown",
    };

    /// <summary>The text of the error for a message type nobody handles.</summary>
    public static string UnknownType(byte type) => $"unknown message type 0x{type:x2}";

    /// <summary>The text of the error for a preamble with another version.</summary>
    public static string UnsupportedVersion(byte version) => $"unsupported wire version {version}";

    /// <summary>The text of the error for <c>subscribe_replication</c> sent inside a 0x00 frame.</summary>
    public const string ReplicationNotSupported = "replication not supported over binary protocol";
}

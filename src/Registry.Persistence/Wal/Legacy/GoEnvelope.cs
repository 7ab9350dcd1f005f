using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Registry.Persistence.Deltas;

namespace Registry.Persistence.Wal.Legacy;

/// <summary>Decodes and encodes the JSON body of a Go-format WAL record (the <c>DeltaEntry</c> envelope).</summary>
/// <remarks>
/// Decoding follows Go's <c>json.Unmarshal</c> into the envelope struct (format-spec §2.5, §6.8):
/// the body must be exactly one JSON value with optional whitespace around it; <c>null</c> gives the
/// zero entry; any other non-object is rejected; member names match case-insensitively with Go's
/// folding; the last duplicate wins; unknown members are ignored; a <c>null</c> member leaves the field
/// unchanged, except <c>"data":null</c>, which keeps the four bytes <c>null</c>; the three numbers must
/// be plain integer literals in range; <c>data</c> keeps the exact source bytes of its value.
/// A syntax error anywhere wins over a type error, as in Go, which validates the whole body first.
/// The decoder is allocation-free apart from the optional copy of <c>data</c> and the error text.
/// </remarks>
public static class GoEnvelope
{
    // Go's scanner refuses nesting deeper than 10000; Utf8JsonReader's default of 64 would reject
    // bodies Go accepts.
    private const int GoMaxDepth = 10_000;

    private static ReadOnlySpan<byte> SeqNoName => "seq_no"u8;

    private static ReadOnlySpan<byte> TypeName => "type"u8;

    private static ReadOnlySpan<byte> NodeIdName => "node_id"u8;

    private static ReadOnlySpan<byte> DataName => "data"u8;

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private enum Field
    {
        Unknown,
        SeqNo,
        Type,
        NodeId,
        Data,
    }

    /// <summary>Decodes a record body; on success <see cref="DeltaEntry.Data"/> is a fresh copy owned by the caller.</summary>
    /// <param name="body">The record body, without its length prefix.</param>
    /// <param name="entry">The decoded entry, or the default entry when decoding fails.</param>
    /// <param name="error">Why Go would reject the body, or null on success.</param>
    /// <returns>True when Go's <c>json.Unmarshal</c> would accept the body.</returns>
    public static bool TryDecode(ReadOnlySpan<byte> body, out DeltaEntry entry, out string? error)
    {
        if (!TryDecodeFields(body, out var fields, out error))
        {
            entry = default;
            return false;
        }

        var data = fields.DataLength == 0 ? ReadOnlyMemory<byte>.Empty : body.Slice(fields.DataStart, fields.DataLength).ToArray();
        entry = new DeltaEntry(fields.SeqNo, (DeltaType)fields.Type, fields.NodeId, data);
        return true;
    }

    /// <summary>Decodes a record body without copying: <see cref="DeltaEntry.Data"/> is a slice of <paramref name="body"/>.</summary>
    /// <param name="body">The record body, without its length prefix; it must outlive every use of the entry's data.</param>
    /// <param name="entry">The decoded entry, or the default entry when decoding fails.</param>
    /// <param name="error">Why Go would reject the body, or null on success.</param>
    /// <returns>True when Go's <c>json.Unmarshal</c> would accept the body.</returns>
    public static bool TryDecodeInPlace(ReadOnlyMemory<byte> body, out DeltaEntry entry, out string? error)
    {
        if (!TryDecodeFields(body.Span, out var fields, out error))
        {
            entry = default;
            return false;
        }

        entry = new DeltaEntry(fields.SeqNo, (DeltaType)fields.Type, fields.NodeId, body.Slice(fields.DataStart, fields.DataLength));
        return true;
    }

    /// <summary>Writes the body Go's <c>json.Marshal</c> produces for the entry: <c>{"seq_no":N,"type":T[,"node_id":X][,"data":D]}</c>.</summary>
    /// <remarks>
    /// <c>node_id</c> is omitted when 0 and <c>data</c> when empty (Go's omitempty). The data bytes are
    /// written as given: Go would compact and re-escape them (§6.4), which is the caller's concern; payloads
    /// produced by Go or by a compact encoder are already in that form.
    /// </remarks>
    /// <param name="entry">The entry to encode.</param>
    /// <param name="writer">Receives the body, without a length prefix.</param>
    public static void Encode(in DeltaEntry entry, IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var data = entry.Data.Span;

        // Fixed text (38 bytes) plus at most 20 + 3 + 10 digits fits in 80.
        var span = writer.GetSpan(80 + data.Length);
        var n = 0;
        Append(span, ref n, "{\"seq_no\":"u8);
        n += Format(entry.SeqNo, span[n..]);
        Append(span, ref n, ",\"type\":"u8);
        n += Format((byte)entry.Type, span[n..]);
        if (entry.NodeId != 0)
        {
            Append(span, ref n, ",\"node_id\":"u8);
            n += Format(entry.NodeId, span[n..]);
        }

        if (!data.IsEmpty)
        {
            Append(span, ref n, ",\"data\":"u8);
            Append(span, ref n, data);
        }

        span[n++] = (byte)'}';
        writer.Advance(n);
    }

    private static void Append(Span<byte> destination, ref int position, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(destination[position..]);
        position += bytes.Length;
    }

    private static int Format<T>(T value, Span<byte> destination)
        where T : IUtf8SpanFormattable
    {
        // The span was sized for the longest value, so formatting cannot run out of room.
        _ = value.TryFormat(destination, out var written, default, CultureInfo.InvariantCulture);
        return written;
    }

    private static bool TryDecodeFields(ReadOnlySpan<byte> body, out EnvelopeFields fields, out string? error)
    {
        fields = default;
        if (body.IsEmpty)
        {
            error = "unexpected end of JSON input";
            return false;
        }

        // Utf8JsonReader may tolerate a byte-order mark; Go never does.
        if (body.StartsWith(Utf8Bom))
        {
            error = "invalid character 'ï' looking for beginning of value (byte-order mark)";
            return false;
        }

        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = GoMaxDepth });
        string? typeError = null;
        try
        {
            if (!reader.Read())
            {
                error = "unexpected end of JSON input";
                return false;
            }

            switch (reader.TokenType)
            {
                case JsonTokenType.Null:
                    break;
                case JsonTokenType.StartObject:
                    ReadMembers(ref reader, ref fields, ref typeError);
                    break;
                default:
                    typeError = $"cannot unmarshal {Describe(reader.TokenType)} into the entry object";
                    reader.Skip();
                    break;
            }

            // Anything but whitespace after the value makes Read throw; whitespace makes it return false.
            if (reader.Read())
            {
                error = "invalid character after top-level value";
                return false;
            }
        }
        catch (JsonException ex)
        {
            error = "invalid JSON: " + ex.Message;
            return false;
        }

        error = typeError;
        return typeError is null;
    }

    private static void ReadMembers(ref Utf8JsonReader reader, ref EnvelopeFields fields, ref string? typeError)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = Identify(ref reader);
            _ = reader.Read();
            switch (field)
            {
                case Field.SeqNo:
                    ReadUnsigned(ref reader, ulong.MaxValue, "seq_no", ref fields.SeqNo, ref typeError);
                    break;
                case Field.Type:
                    var type = (ulong)fields.Type;
                    ReadUnsigned(ref reader, byte.MaxValue, "type", ref type, ref typeError);
                    fields.Type = (byte)type;
                    break;
                case Field.NodeId:
                    var node = (ulong)fields.NodeId;
                    ReadUnsigned(ref reader, uint.MaxValue, "node_id", ref node, ref typeError);
                    fields.NodeId = (uint)node;
                    break;
                case Field.Data:
                    // Token positions slice the exact source text of the value, inner whitespace included.
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    fields.DataStart = start;
                    fields.DataLength = (int)reader.BytesConsumed - start;
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
    }

    private static Field Identify(ref Utf8JsonReader reader)
    {
        scoped var name = reader.ValueSpan;
        Span<byte> scratch = stackalloc byte[GoMemberName.MaxNameBytes];
        if (reader.ValueIsEscaped)
        {
            name = GoMemberName.Unescape(name, scratch, out var ok);
            if (!ok)
            {
                return Field.Unknown;
            }
        }

        return GoMemberName.Matches(name, SeqNoName) ? Field.SeqNo
            : GoMemberName.Matches(name, TypeName) ? Field.Type
            : GoMemberName.Matches(name, NodeIdName) ? Field.NodeId
            : GoMemberName.Matches(name, DataName) ? Field.Data
            : Field.Unknown;
    }

    private static void ReadUnsigned(ref Utf8JsonReader reader, ulong max, string name, ref ulong value, ref string? typeError)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return;
        }

        if (reader.TokenType != JsonTokenType.Number)
        {
            // Go keeps scanning after a type error and reports the first one.
            typeError ??= $"cannot unmarshal {Describe(reader.TokenType)} into {name}";
            reader.Skip();
            return;
        }

        // Go parses the literal with ParseUint: only digits, so '-', fractions and exponents are rejected.
        var text = reader.ValueSpan;
        ulong parsed = 0;
        var valid = true;
        foreach (var c in text)
        {
            var digit = (uint)(c - '0');
            if (digit > 9 || parsed > (max - digit) / 10)
            {
                valid = false;
                break;
            }

            parsed = (parsed * 10) + digit;
        }

        if (valid)
        {
            value = parsed;
        }
        else
        {
            typeError ??= $"cannot unmarshal number {System.Text.Encoding.UTF8.GetString(text)} into {name} (not an integer from 0 to {max})";
        }
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "array",
        JsonTokenType.StartObject => "object",
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        JsonTokenType.True or JsonTokenType.False => "bool",
        _ => token.ToString(),
    };

    [StructLayout(LayoutKind.Auto)]
    private struct EnvelopeFields
    {
        public ulong SeqNo;
        public byte Type;
        public uint NodeId;
        public int DataStart;
        public int DataLength;
    }
}

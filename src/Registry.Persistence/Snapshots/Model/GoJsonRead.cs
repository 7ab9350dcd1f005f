using System.Text;
using System.Text.Json;

namespace Registry.Persistence.Snapshots.Model;

/// <summary>Token readers with Go's <c>json.Unmarshal</c> rules for hand-written converters: strict integers in range, no type coercion.</summary>
internal static class GoJsonRead
{
    /// <summary>
    /// For the current property name: -1 when <see cref="Utf8JsonReader.ValueSpan"/> holds it as is; otherwise the
    /// length of its unescaped UTF-8 copied into <paramref name="buffer"/>, or <see cref="int.MaxValue"/> when it does
    /// not fit (no member has such a long name).
    /// </summary>
    public static int NameLength(ref Utf8JsonReader reader, scoped Span<byte> buffer)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            return -1;
        }

        var raw = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        return raw > buffer.Length ? int.MaxValue : reader.CopyString(buffer);
    }

    /// <summary>Matches a member name exactly or, as Go does, ignoring ASCII case.</summary>
    public static bool Is(ReadOnlySpan<byte> name, ReadOnlySpan<byte> member) =>
        name.SequenceEqual(member) || Ascii.EqualsIgnoreCase(name, member);

    public static uint UInt32(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetUInt32(out var value) ? value : throw Mismatch(ref reader, "uint32");

    public static ushort UInt16(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetUInt16(out var value) ? value : throw Mismatch(ref reader, "uint16");

    public static long Int64(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) ? value : throw Mismatch(ref reader, "int64");

    public static bool Boolean(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        _ => throw Mismatch(ref reader, "bool"),
    };

    public static string String(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw Mismatch(ref reader, "string");

    public static string PooledString(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String ? StringPool.ReadString(ref reader) : throw Mismatch(ref reader, "string");

    public static List<ushort>? UInt16List(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        ExpectArray(ref reader);
        var list = new List<ushort>(2);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            list.Add(reader.TokenType == JsonTokenType.Null ? (ushort)0 : UInt16(ref reader));
        }

        return list;
    }

    public static List<string>? StringList(ref Utf8JsonReader reader, bool pooled)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        ExpectArray(ref reader);
        var list = new List<string>(2);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            list.Add(reader.TokenType switch
            {
                JsonTokenType.Null => string.Empty,
                _ when pooled => PooledString(ref reader),
                _ => String(ref reader),
            });
        }

        return list;
    }

    private static void ExpectArray(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Mismatch(ref reader, "array");
        }
    }

    private static JsonException Mismatch(ref Utf8JsonReader reader, string expected) =>
        new($"expected {expected}, found {reader.TokenType} at byte {reader.TokenStartIndex}");
}

using System.Text.Json;

namespace Registry.Persistence.Json;

/// <summary>
/// Reproduces what Go's <c>json.Marshal</c> does to a <c>json.RawMessage</c> (format-spec §6.4): the value must be
/// valid JSON; whitespace outside strings is removed; inside strings <c>&lt; &gt; &amp;</c> and U+2028/U+2029 are
/// escaped; every other byte, including existing escapes and member order, is kept.
/// </summary>
internal static class GoRawJsonCompactor
{
    /// <summary>Throws <see cref="GoJsonException"/> unless <paramref name="json"/> is exactly one JSON value (whitespace around it allowed).</summary>
    public static void Validate(ReadOnlySpan<byte> json)
    {
        // Go's limit is 10000 levels; 1000 is far beyond any policy document and keeps the reader's stack modest.
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 1000 });
        try
        {
            if (!reader.Read())
            {
                throw new GoJsonException("raw JSON value is empty", 0);
            }

            reader.Skip();
            if (reader.Read())
            {
                throw new GoJsonException("raw JSON value has trailing data", reader.TokenStartIndex);
            }
        }
        catch (JsonException ex)
        {
            throw new GoJsonException($"raw JSON value is invalid: {ex.Message}", ex.BytePositionInLine ?? 0, ex);
        }
    }

    /// <summary>An upper bound of the compacted size: every byte may become a 6-byte escape.</summary>
    public static int MaxOutputLength(int inputLength) => checked(inputLength * GoStringEscaper.MaxExpansion);

    /// <summary>Writes the compacted, escaped form of an already validated value and returns the byte count.</summary>
    public static int Compact(ReadOnlySpan<byte> json, Span<byte> destination)
    {
        var p = 0;
        var inString = false;
        for (var i = 0; i < json.Length; i++)
        {
            var b = json[i];
            if (!inString)
            {
                if (b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
                {
                    continue;
                }

                inString = b == (byte)'"';
                destination[p++] = b;
                continue;
            }

            switch (b)
            {
                case (byte)'\\':
                    // An escape is copied as written: only the byte after the backslash can end it early.
                    destination[p++] = b;
                    destination[p++] = json[++i];
                    break;
                case (byte)'"':
                    inString = false;
                    destination[p++] = b;
                    break;
                case (byte)'<' or (byte)'>' or (byte)'&':
                    p += GoStringEscaper.WriteUnicodeEscape(b, destination[p..]);
                    break;
                case 0xE2 when i + 2 < json.Length && json[i + 1] == 0x80 && json[i + 2] is 0xA8 or 0xA9:
                    p += GoStringEscaper.WriteUnicodeEscape(json[i + 2] == 0xA8 ? 0x2028 : 0x2029, destination[p..]);
                    i += 2;
                    break;
                default:
                    destination[p++] = b;
                    break;
            }
        }

        return p;
    }
}

using System.Text;

namespace Registry.Persistence.Wal.Legacy;

/// <summary>Matches a JSON member name against an ASCII field name the way Go's <c>encoding/json</c> does.</summary>
/// <remarks>
/// Go prefers an exact match and otherwise compares names after folding every rune with
/// <c>ToUpper(ToLower(r))</c> (Unicode simple case mapping). Because every field name we match is
/// lower-case ASCII, only four non-ASCII runes can ever fold onto one of its letters: the Kelvin sign
/// U+212A (K), the long s U+017F (S), the dotted capital I U+0130 and the dotless small i U+0131
/// (both I). Every other non-ASCII rune folds to something non-ASCII and can never match, so a fixed
/// table is both exact and independent of the runtime's globalization mode.
/// </remarks>
internal static class GoMemberName
{
    /// <summary>Whether <paramref name="name"/> (unescaped UTF-8) selects the field <paramref name="field"/> (lower-case ASCII).</summary>
    public static bool Matches(ReadOnlySpan<byte> name, ReadOnlySpan<byte> field)
    {
        if (name.SequenceEqual(field))
        {
            return true;
        }

        var i = 0;
        foreach (var expected in field)
        {
            if (i >= name.Length)
            {
                return false;
            }

            int folded;
            var b = name[i];
            if (b < 0x80)
            {
                folded = b is >= (byte)'a' and <= (byte)'z' ? b - 0x20 : b;
                i++;
            }
            else
            {
                // Invalid UTF-8 decodes to U+FFFD here as in Go, and U+FFFD folds to no ASCII letter.
                _ = Rune.DecodeFromUtf8(name[i..], out var rune, out var consumed);
                folded = FoldNonAscii(rune.Value);
                i += consumed;
            }

            var upperExpected = expected is >= (byte)'a' and <= (byte)'z' ? expected - 0x20 : expected;
            if (folded != upperExpected)
            {
                return false;
            }
        }

        return i == name.Length;
    }

    /// <summary>Unescapes a member name token into <paramref name="scratch"/> when it contains escapes.</summary>
    /// <returns>The unescaped name, or an empty span with <paramref name="ok"/> false when it cannot be unescaped.</returns>
    public static ReadOnlySpan<byte> Unescape(ReadOnlySpan<byte> escaped, Span<byte> scratch, out bool ok)
    {
        // A JSON escape never expands, so the unescaped name fits in the escaped length; longer names than
        // the scratch buffer cannot equal any of our short field names anyway.
        ok = false;
        if (escaped.Length > scratch.Length)
        {
            return default;
        }

        var written = 0;
        for (var i = 0; i < escaped.Length; i++)
        {
            var c = escaped[i];
            if (c != (byte)'\\')
            {
                scratch[written++] = c;
                continue;
            }

            if (++i >= escaped.Length)
            {
                return default;
            }

            c = escaped[i];
            if (c != (byte)'u')
            {
                scratch[written++] = c switch
                {
                    (byte)'n' => (byte)'\n',
                    (byte)'r' => (byte)'\r',
                    (byte)'t' => (byte)'\t',
                    (byte)'b' => (byte)'\b',
                    (byte)'f' => (byte)'\f',
                    _ => c, // '"', '\\' and '/' stand for themselves; the JSON reader rejected anything else.
                };
                continue;
            }

            if (i + 4 >= escaped.Length)
            {
                return default;
            }

            var code = ParseHex4(escaped.Slice(i + 1, 4));
            i += 4;
            if (char.IsHighSurrogate((char)code) && i + 6 < escaped.Length
                && escaped[i + 1] == (byte)'\\' && escaped[i + 2] == (byte)'u')
            {
                var low = ParseHex4(escaped.Slice(i + 3, 4));
                if (char.IsLowSurrogate((char)low))
                {
                    code = char.ConvertToUtf32((char)code, (char)low);
                    i += 6;
                }
            }

            // Lone surrogates become U+FFFD, as in Go.
            var rune = Rune.IsValid(code) ? new Rune(code) : Rune.ReplacementChar;
            written += rune.EncodeToUtf8(scratch[written..]);
        }

        ok = true;
        return scratch[..written];
    }

    private static int ParseHex4(ReadOnlySpan<byte> hex)
    {
        var value = 0;
        foreach (var h in hex)
        {
            value = (value << 4) | (h switch
            {
                >= (byte)'0' and <= (byte)'9' => h - '0',
                >= (byte)'a' and <= (byte)'f' => h - 'a' + 10,
                _ => h - 'A' + 10,
            });
        }

        return value;
    }

    private static int FoldNonAscii(int rune) => rune switch
    {
        0x212A => 'K',
        0x017F => 'S',
        0x0130 or 0x0131 => 'I',
        _ => -1,
    };

    /// <summary>The largest escaped name worth unescaping: every spelling of our field names is shorter.</summary>
    public const int MaxNameBytes = 64;
}

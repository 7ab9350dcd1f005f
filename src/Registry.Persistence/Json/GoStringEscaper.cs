using System.Buffers;
using System.Text;

namespace Registry.Persistence.Json;

/// <summary>
/// Escapes strings exactly as Go's <c>encoding/json</c> (Go 1.22 and later, HTML escaping on) writes them,
/// format-spec §6.3: raw UTF-8 for non-ASCII, lowercase <c>\u00xx</c> for control characters,
/// <c>\b</c> <c>\f</c> <c>\n</c> <c>\r</c> <c>\t</c>, <c>&lt; &gt; &amp;</c> and U+2028/U+2029 escaped,
/// and one <c>\ufffd</c> escape for each byte (or lone UTF-16 surrogate) that is not valid text.
/// </summary>
internal static class GoStringEscaper
{
    /// <summary>The worst case of output bytes per input UTF-16 char or UTF-8 byte (a <c>\u00xx</c> escape).</summary>
    public const int MaxExpansion = 6;

    private const string SafeAscii =
        " !#$%'()*+,-./0123456789:;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~\u007f";

    private static readonly SearchValues<char> SafeChars = SearchValues.Create(SafeAscii);
    private static readonly SearchValues<byte> SafeBytes = SearchValues.Create(Encoding.ASCII.GetBytes(SafeAscii));

    private static ReadOnlySpan<byte> Hex => "0123456789abcdef"u8;

    /// <summary>Writes <paramref name="value"/>'s escaped UTF-8 (without quotes) into <paramref name="destination"/>, which must hold <see cref="MaxExpansion"/> bytes per char.</summary>
    public static int Escape(ReadOnlySpan<char> value, Span<byte> destination)
    {
        var safe = value.IndexOfAnyExcept(SafeChars);
        if (safe < 0)
        {
            safe = value.Length;
        }

        // The common case (ASCII names, keys, addresses) is one vectorised narrowing copy.
        _ = Ascii.FromUtf16(value[..safe], destination, out var written);
        var p = written;
        for (var i = safe; i < value.Length; i++)
        {
            var c = value[i];
            if (c < 0x80)
            {
                p += EscapeAscii((byte)c, destination[p..]);
            }
            else if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                var rune = new Rune(c, value[i + 1]);
                p += rune.EncodeToUtf8(destination[p..]);
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                // A lone surrogate cannot be encoded; Go writes the escape for each invalid byte it meets.
                p += WriteUnicodeEscape(0xFFFD, destination[p..]);
            }
            else if (c is '\u2028' or '\u2029')
            {
                p += WriteUnicodeEscape(c, destination[p..]);
            }
            else
            {
                p += new Rune(c).EncodeToUtf8(destination[p..]);
            }
        }

        return p;
    }

    /// <summary>Writes the escaped form of UTF-8 <paramref name="value"/> (without quotes); invalid bytes become <c>\ufffd</c>, one per byte, as in Go.</summary>
    public static int Escape(ReadOnlySpan<byte> value, Span<byte> destination)
    {
        var safe = value.IndexOfAnyExcept(SafeBytes);
        if (safe < 0)
        {
            safe = value.Length;
        }

        value[..safe].CopyTo(destination);
        var p = safe;
        var i = safe;
        while (i < value.Length)
        {
            var b = value[i];
            if (b < 0x80)
            {
                p += EscapeAscii(b, destination[p..]);
                i++;
                continue;
            }

            var status = Rune.DecodeFromUtf8(value[i..], out var rune, out var consumed);
            if (status != OperationStatus.Done)
            {
                // Go's decoder reports (RuneError, 1) for any invalid sequence: one escape per bad byte.
                p += WriteUnicodeEscape(0xFFFD, destination[p..]);
                i++;
                continue;
            }

            if (rune.Value is 0x2028 or 0x2029)
            {
                p += WriteUnicodeEscape(rune.Value, destination[p..]);
            }
            else
            {
                value.Slice(i, consumed).CopyTo(destination[p..]);
                p += consumed;
            }

            i += consumed;
        }

        return p;
    }

    /// <summary>Writes the escape for an ASCII byte, or the byte itself when it needs none.</summary>
    public static int EscapeAscii(byte b, Span<byte> destination)
    {
        switch (b)
        {
            case (byte)'"':
            case (byte)'\\':
                destination[0] = (byte)'\\';
                destination[1] = b;
                return 2;
            case (byte)'\n':
                return WriteShort((byte)'n', destination);
            case (byte)'\r':
                return WriteShort((byte)'r', destination);
            case (byte)'\t':
                return WriteShort((byte)'t', destination);
            case (byte)'\b':
                return WriteShort((byte)'b', destination);
            case (byte)'\f':
                return WriteShort((byte)'f', destination);
            case < 0x20:
            case (byte)'<':
            case (byte)'>':
            case (byte)'&':
                return WriteUnicodeEscape(b, destination);
            default:
                destination[0] = b;
                return 1;
        }
    }

    /// <summary>Writes <c>\uXXXX</c> with lowercase hex digits.</summary>
    public static int WriteUnicodeEscape(int codeUnit, Span<byte> destination)
    {
        destination[0] = (byte)'\\';
        destination[1] = (byte)'u';
        destination[2] = Hex[(codeUnit >> 12) & 0xF];
        destination[3] = Hex[(codeUnit >> 8) & 0xF];
        destination[4] = Hex[(codeUnit >> 4) & 0xF];
        destination[5] = Hex[codeUnit & 0xF];
        return 6;
    }

    private static int WriteShort(byte letter, Span<byte> destination)
    {
        destination[0] = (byte)'\\';
        destination[1] = letter;
        return 2;
    }
}

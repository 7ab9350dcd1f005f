using System.Globalization;
using Registry.Persistence.Deltas.Payloads;

namespace Registry.Core;

/// <summary>The one place that turns payload time text into values and back, so live and replay agree to the second.</summary>
internal static class Times
{
    /// <summary>Formats a time as payloads carry it (RFC 3339 UTC, whole seconds).</summary>
    public static string Format(DateTimeOffset time) => DeltaPayload.FormatTimestamp(time);

    /// <summary>Formats an optional time, giving <c>""</c> for none.</summary>
    public static string Format(DateTimeOffset? time) => time is { } value ? Format(value) : string.Empty;

    private static readonly string[] _rfc3339 = ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"];

    /// <summary>Parses RFC 3339 text (Go's <c>time.RFC3339</c>: <c>Z</c> or a numeric offset, optional fraction) to UTC, or null when it is empty or does not parse.</summary>
    /// <remarks>Strict like Go's parser, so a value Go would reject (and replace with "now") is rejected here too. Fractions beyond .NET's 7 digits (Go writes nanoseconds) are cut.</remarks>
    public static DateTimeOffset? Parse(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length < 20 || text[10] != 'T')
        {
            return null;
        }

        if (TryParseUtcSeconds(text, out var fast))
        {
            return fast;
        }

        if (text[19] == '.')
        {
            var end = 20;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
            {
                end++;
            }

            if (end - 20 > 7)
            {
                text = string.Concat(text.AsSpan(0, 27), text.AsSpan(end));
            }
        }

        return DateTimeOffset.TryParseExact(text, _rfc3339, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value)
            ? value.ToUniversalTime()
            : null;
    }

    /// <summary>The form this registry writes (<c>yyyy-MM-ddTHH:mm:ssZ</c>), parsed without the general parser; false for anything else, which the general parser then decides.</summary>
    /// <remarks>
    /// Every register, every node of a snapshot load and most replayed deltas parse a time, and the general parser was
    /// 1–2% of the event loop's samples under register load. Accepts exactly what the general parser accepts in
    /// this form (a test compares the two on random texts), so the fallback never sees a text this refused wrongly.
    /// </remarks>
    internal static bool TryParseUtcSeconds(string text, out DateTimeOffset value)
    {
        value = default;
        if (text.Length != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[19] != 'Z'
            || !Digits(text, 0, 4, out var year) || !Digits(text, 5, 2, out var month) || !Digits(text, 8, 2, out var day)
            || !Digits(text, 11, 2, out var hour) || !Digits(text, 14, 2, out var minute) || !Digits(text, 17, 2, out var second))
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        value = new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero);
        return true;

        static bool Digits(string text, int start, int count, out int number)
        {
            number = 0;
            for (var i = start; i < start + count; i++)
            {
                if (!char.IsAsciiDigit(text[i]))
                {
                    return false;
                }

                number = (number * 10) + (text[i] - '0');
            }

            return true;
        }
    }

    /// <summary>Drops sub-second precision, because payloads only carry whole seconds.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
}

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

    /// <summary>Drops sub-second precision, because payloads only carry whole seconds.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
}

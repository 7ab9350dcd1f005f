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

    /// <summary>Parses RFC 3339 text to UTC, or null when it is empty or does not parse.</summary>
    public static DateTimeOffset? Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (TryParseUtcSeconds(text, out var fast))
        {
            return fast;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            ? value.ToUniversalTime()
            : null;
    }

    /// <summary>Parses exactly <c>yyyy-MM-ddTHH:mm:ssZ</c>, the shape every delta and snapshot time we write has.</summary>
    /// <remarks>Replay parses a time per heartbeat; the general parser measured as a tenth of replay time.</remarks>
    private static bool TryParseUtcSeconds(string text, out DateTimeOffset value)
    {
        value = default;
        if (text.Length != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[19] != 'Z')
        {
            return false;
        }

        if (!TwoDigits(text, 0, out var century) || !TwoDigits(text, 2, out var yy) || !TwoDigits(text, 5, out var month)
            || !TwoDigits(text, 8, out var day) || !TwoDigits(text, 11, out var hour) || !TwoDigits(text, 14, out var minute)
            || !TwoDigits(text, 17, out var second))
        {
            return false;
        }

        var year = (century * 100) + yy;
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        value = new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero);
        return true;
    }

    private static bool TwoDigits(string text, int at, out int value)
    {
        var high = text[at] - '0';
        var low = text[at + 1] - '0';
        value = (high * 10) + low;
        return (uint)high <= 9 && (uint)low <= 9;
    }

    /// <summary>Drops sub-second precision, because payloads only carry whole seconds.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
}

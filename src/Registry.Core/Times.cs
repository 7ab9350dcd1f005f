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

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            ? value.ToUniversalTime()
            : null;
    }

    /// <summary>Drops sub-second precision, because payloads only carry whole seconds.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
}

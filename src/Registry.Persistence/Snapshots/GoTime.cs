namespace Registry.Persistence.Snapshots;

/// <summary>
/// Checks text the way Go's <c>time.Time.UnmarshalJSON</c> parses it (§6.7): <c>YYYY-MM-DDTHH:MM:SS</c>, an optional
/// fraction of 1–9 digits, then <c>Z</c> or <c>±hh:mm</c>; fields in range and the day valid for its month.
/// </summary>
internal static class GoTime
{
    public static bool IsRfc3339(string text)
    {
        var s = text.AsSpan();
        if (s.Length < 20
            || !Digits(s, 0, 4, out var year) || s[4] != '-'
            || !Digits(s, 5, 2, out var month) || s[7] != '-'
            || !Digits(s, 8, 2, out var day) || s[10] != 'T'
            || !Digits(s, 11, 2, out var hour) || s[13] != ':'
            || !Digits(s, 14, 2, out var minute) || s[16] != ':'
            || !Digits(s, 17, 2, out var second))
        {
            return false;
        }

        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(Math.Max(year, 1), month)
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var i = 19;
        if (s[i] == '.')
        {
            var start = ++i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }

            if (i == start || i - start > 9)
            {
                return false;
            }
        }

        if (i < s.Length && s[i] == 'Z')
        {
            return i + 1 == s.Length;
        }

        return i + 6 == s.Length && s[i] is '+' or '-'
            && Digits(s, i + 1, 2, out var oh) && s[i + 3] == ':' && Digits(s, i + 4, 2, out var om)
            && oh <= 23 && om <= 59;
    }

    private static bool Digits(ReadOnlySpan<char> s, int at, int count, out int value)
    {
        value = 0;
        if (at + count > s.Length)
        {
            return false;
        }

        for (var i = at; i < at + count; i++)
        {
            if (!char.IsAsciiDigit(s[i]))
            {
                return false;
            }

            value = (value * 10) + (s[i] - '0');
        }

        return true;
    }
}

namespace Registry.Core;

/// <summary>Parses map keys the way Go's <c>fmt.Sscanf(key, "%d", &amp;v)</c> does for unsigned targets (format-spec §4.5).</summary>
/// <remarks>Leading spaces are skipped, trailing junk is ignored (<c>"12abc"</c> is 12, <c>"0x10"</c> is 0); a sign, no digits or overflow fail.</remarks>
internal static class GoScan
{
    public static bool TryParseUInt32(string? text, out uint value)
    {
        value = 0;
        if (text is null)
        {
            return false;
        }

        var i = 0;
        while (i < text.Length && char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        var start = i;
        ulong result = 0;
        while (i < text.Length && text[i] is >= '0' and <= '9')
        {
            result = (result * 10) + (ulong)(text[i] - '0');
            if (result > uint.MaxValue)
            {
                return false;
            }

            i++;
        }

        if (i == start)
        {
            return false;
        }

        value = (uint)result;
        return true;
    }
}

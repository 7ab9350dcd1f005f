using System.Globalization;

namespace Registry.Cli.Bench;

/// <summary>How busy the machine was while a benchmark ran, so a reader can judge its numbers.</summary>
internal static class MachineLoad
{
    /// <summary>The 1-minute load average (Linux), or -1 where it cannot be read.</summary>
    public static double LoadAverage()
    {
        try
        {
            var text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.AsSpan(0, text.IndexOf(' ', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return -1;
        }
    }
}

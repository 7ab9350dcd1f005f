namespace Registry.Cli;

/// <summary>Draws a one-line progress indicator on a terminal during long runs; silent when not interactive or when disabled (JSON output).</summary>
internal sealed class ProgressReporter(CliContext context, string verb, bool enabled, TimeProvider? time = null) : IDisposable
{
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(250);
    private readonly bool _enabled = enabled && context.Interactive;
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private long _lastDraw = (time ?? TimeProvider.System).GetTimestamp();
    private bool _drawn;

    /// <summary>Reports progress; redraws at most four times a second.</summary>
    public void Report(long items, long bytes)
    {
        if (!_enabled || _time.GetElapsedTime(_lastDraw) < RedrawInterval)
        {
            return;
        }

        _lastDraw = _time.GetTimestamp();
        _drawn = true;
        context.Err.Write($"\r{verb} {items:N0} entries ({bytes / (1024.0 * 1024):F1} MiB)   ");
    }

    /// <summary>Clears the progress line.</summary>
    public void Dispose()
    {
        if (_drawn)
        {
            context.Err.Write("\r" + new string(' ', 60) + "\r");
        }
    }
}

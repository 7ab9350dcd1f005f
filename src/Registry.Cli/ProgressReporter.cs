using System.Diagnostics;

namespace Registry.Cli;

/// <summary>Draws a one-line progress indicator on a terminal during long runs; silent when not interactive.</summary>
internal sealed class ProgressReporter(CliContext context, string verb, bool enabled) : IDisposable
{
    private readonly bool _enabled = enabled && context.Interactive;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastDraw;
    private bool _drawn;

    /// <summary>Reports progress; redraws at most four times a second.</summary>
    public void Report(long items, long bytes)
    {
        if (!_enabled || _clock.ElapsedMilliseconds - _lastDraw < 250)
        {
            return;
        }

        _lastDraw = _clock.ElapsedMilliseconds;
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

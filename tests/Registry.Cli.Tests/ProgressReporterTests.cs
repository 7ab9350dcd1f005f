using Microsoft.Extensions.Time.Testing;

namespace Registry.Cli.Tests;

public class ProgressReporterTests
{
    [Fact]
    public void Report_OnTerminal_DrawsAfterRedrawIntervalAndClearsAtEnd()
    {
        var time = new FakeTimeProvider();
        var err = new StringWriter();
        using (var progress = new ProgressReporter(new CliContext(TextWriter.Null, err, interactive: true), "verified", enabled: true, time))
        {
            progress.Report(10, 1024);
            Assert.Equal("", err.ToString());
            time.Advance(TimeSpan.FromMilliseconds(300));
            progress.Report(20_000, 3 * 1024 * 1024);
            Assert.Contains("verified 20,000 entries (3.0 MiB)", err.ToString(), StringComparison.Ordinal);
        }

        Assert.EndsWith("\r", err.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void Report_RedirectedOrJson_StaysQuiet(bool interactive, bool enabled)
    {
        var time = new FakeTimeProvider();
        var err = new StringWriter();
        using (var progress = new ProgressReporter(new CliContext(TextWriter.Null, err, interactive), "verified", enabled, time))
        {
            time.Advance(TimeSpan.FromSeconds(5));
            progress.Report(10, 10);
        }

        Assert.Equal("", err.ToString());
    }
}

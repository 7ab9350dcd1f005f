namespace Registry.Cli.Tests;

public class UsageTests
{
    [Fact]
    public void UnknownCommand_ExitsTwo()
    {
        var (exit, _, err) = CliRunner.Run("no-such-command");
        Assert.Equal(2, exit);
        Assert.Contains("registry:", err, StringComparison.Ordinal);
    }
}

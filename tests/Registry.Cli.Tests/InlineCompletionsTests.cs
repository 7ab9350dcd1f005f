namespace Registry.Cli.Tests;

/// <summary>Which socket settings <c>registry serve</c> and <c>registry loadgen</c> give their own process before the first socket.</summary>
[Collection(nameof(ProcessEnvironment))]
public sealed class InlineCompletionsTests
{
    [Theory]
    [InlineData(new[] { "serve" }, "1", null)]
    [InlineData(new[] { "loadgen", "--server", "127.0.0.1:1" }, "1", "1")]
    [InlineData(new[] { "loadgen", "--standby", "127.0.0.1:2" }, null, null)]
    [InlineData(new[] { "inspect" }, null, null)]
    public void Prepare_SetsOnlyWhatTheCommandUses(string[] args, string? inline, string? engineThreads)
    {
        using var saved = new SavedEnvironment(InlineCompletions.Variable, InlineCompletions.EngineThreads);

        InlineCompletions.Prepare(args);

        Assert.Equal(inline, Environment.GetEnvironmentVariable(InlineCompletions.Variable));
        Assert.Equal(engineThreads, Environment.GetEnvironmentVariable(InlineCompletions.EngineThreads));
    }

    [Fact]
    public void Prepare_ExplicitEngineThreadCount_Wins()
    {
        using var saved = new SavedEnvironment(InlineCompletions.Variable, InlineCompletions.EngineThreads);
        Environment.SetEnvironmentVariable(InlineCompletions.EngineThreads, "2");

        InlineCompletions.Prepare(["loadgen", "--server", "127.0.0.1:1"]);

        Assert.Equal("2", Environment.GetEnvironmentVariable(InlineCompletions.EngineThreads));
    }

    /// <summary>Clears the variables for a test and puts their values back afterwards.</summary>
    private sealed class SavedEnvironment : IDisposable
    {
        private readonly (string Name, string? Value)[] _saved;

        public SavedEnvironment(params string[] names)
        {
            _saved = [.. names.Select(n => (n, Environment.GetEnvironmentVariable(n)))];
            foreach (var name in names)
            {
                Environment.SetEnvironmentVariable(name, null);
            }
        }

        public void Dispose()
        {
            foreach (var (name, value) in _saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }
}

/// <summary>Tests that change the process's environment variables run one at a time.</summary>
[CollectionDefinition(nameof(ProcessEnvironment), DisableParallelization = true)]
public sealed class ProcessEnvironment;

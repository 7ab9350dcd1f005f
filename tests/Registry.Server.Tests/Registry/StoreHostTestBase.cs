using Registry.Persistence.Tests;

namespace Registry.Server.Tests.Registry;

/// <summary>A fresh Store-backed host on 127.0.0.1 for each test, in its own temporary data directory.</summary>
public abstract class StoreHostTestBase : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();

    /// <summary>The running host.</summary>
    private protected RegistryTestHost Host { get; private set; } = null!;

    /// <inheritdoc/>
    public async ValueTask InitializeAsync() => Host = await RegistryTestHost.StartAsync(_dir.Path, Timeouts.Bounded());

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        _dir.Dispose();
        GC.SuppressFinalize(this);
    }
}

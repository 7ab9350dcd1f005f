using Registry.Persistence.Tests;

namespace Registry.Server.Tests.Registry;

/// <summary>A fresh Store-backed host on 127.0.0.1 for each test, in its own temporary data directory.</summary>
public abstract class StoreHostTestBase : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();

    /// <summary>The running host.</summary>
    private protected RegistryTestHost Host { get; private set; } = null!;

    /// <summary>The host's clock; null for the system clock. A class that sets a fake clock should also set <see cref="Settings"/> that keep timers out of its way.</summary>
    private protected virtual TimeProvider? Time => null;

    /// <summary>Extra <c>Registry:*</c> settings for the host, or null.</summary>
    private protected virtual IReadOnlyDictionary<string, string?>? Settings => null;

    /// <inheritdoc/>
    public async ValueTask InitializeAsync() => Host = await RegistryTestHost.StartAsync(_dir.Path, Timeouts.Bounded(), time: Time, settings: Settings);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        _dir.Dispose();
        GC.SuppressFinalize(this);
    }
}

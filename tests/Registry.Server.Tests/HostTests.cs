using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Registry.Server.Hosting;

namespace Registry.Server.Tests;

public sealed class HostTests
{
    [Fact]
    public void CreateBuilder_ReadsAppSettingsOnceWithoutWatchingTheWorkingDirectory()
    {
        var builder = RegistryServerHost.CreateBuilder([]);

        var json = ((IConfigurationBuilder)builder.Configuration).Sources.OfType<Microsoft.Extensions.Configuration.Json.JsonConfigurationSource>().ToList();
        Assert.NotEmpty(json);
        Assert.All(json, source => Assert.False(source.ReloadOnChange, source.Path));
    }

    [Fact]
    public async Task StartAsync_PortInUse_FailsWithOneClearMessage()
    {
        var ct = Timeouts.Bounded();
        using var occupier = new TcpListener(IPAddress.Loopback, 0);
        occupier.Start();
        var port = ((IPEndPoint)occupier.LocalEndpoint).Port;
        using var host = MetricsTests.BuildHost(new MetricsTests.SwitchableBackend(), metricsEndpoint: null, listen: $"127.0.0.1:{port}");

        var ex = await Assert.ThrowsAsync<ServerStartupException>(() => host.StartAsync(ct));

        Assert.StartsWith($"cannot start the client listener on 127.0.0.1:{port}: ", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public async Task RunAsync_PortInUse_ReturnsNonZero()
    {
        var ct = Timeouts.Bounded();
        using var occupier = new TcpListener(IPAddress.Loopback, 0);
        occupier.Start();
        var port = ((IPEndPoint)occupier.LocalEndpoint).Port;
        using var host = MetricsTests.BuildHost(new MetricsTests.SwitchableBackend(), metricsEndpoint: null, listen: $"127.0.0.1:{port}");

        Assert.Equal(1, await RegistryServerHost.RunAsync(host, ct));
    }

    [Fact]
    public async Task StartAsync_MetricsPortInUse_FailsAndReleasesClientPort()
    {
        var ct = Timeouts.Bounded();
        using var occupier = new TcpListener(IPAddress.Loopback, 0);
        occupier.Start();
        var port = ((IPEndPoint)occupier.LocalEndpoint).Port;
        using var host = MetricsTests.BuildHost(new MetricsTests.SwitchableBackend(), metricsEndpoint: $"127.0.0.1:{port}");

        var ex = await Assert.ThrowsAsync<ServerStartupException>(() => host.StartAsync(ct));

        Assert.StartsWith("cannot start the metrics endpoint on ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_InvalidOptions_ValidationNamesTheSetting()
    {
        var ct = Timeouts.Bounded();
        var builder = RegistryServerHost.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Registry:ListenEndpoint"] = "nonsense", ["Registry:MaxFrameBytes"] = "1" });
        builder.Services.AddSingleton<IRegistryBackend>(new MetricsTests.SwitchableBackend());
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(ct));

        Assert.Contains("Registry:ListenEndpoint 'nonsense'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Registry:MaxFrameBytes 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopAsync_StartedHost_StopsWithinDrainTimeout()
    {
        var ct = Timeouts.Bounded();
        using var host = MetricsTests.BuildHost(new MetricsTests.SwitchableBackend(), metricsEndpoint: null);
        await host.StartAsync(ct);
        var service = host.Services.GetRequiredService<RegistryServerService>();
        using var client = await WireClient.ConnectAsync(service.ListenEndPoint!, ct);
        Assert.Equal("ping_ok", (await client.RequestAsync("{\"type\":\"ping\"}", ct)).GetProperty("type").GetString());

        await host.StopAsync(ct);

        Assert.Null(await client.ReadAsync(ct));
    }

    [Fact]
    public async Task RunAsync_PortInUse_LogsExactlyOneLineWithoutStackTrace()
    {
        var ct = Timeouts.Bounded();
        using var occupier = new TcpListener(IPAddress.Loopback, 0);
        occupier.Start();
        var port = ((IPEndPoint)occupier.LocalEndpoint).Port;
        var logs = new CapturingLoggerProvider();
        var builder = RegistryServerHost.CreateBuilder([]);
        builder.Logging.ClearProviders().AddProvider(logs);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Registry:ListenEndpoint"] = $"127.0.0.1:{port}" });
        using var host = builder.Build();

        Assert.Equal(1, await RegistryServerHost.RunAsync(host, ct));

        var entry = Assert.Single(logs.Entries);
        Assert.Equal(LogLevel.Critical, entry.Level);
        Assert.Null(entry.Exception);
        Assert.StartsWith($"Registry server failed to start: cannot start the client listener on 127.0.0.1:{port}: ", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_StopApplication_DrainsAndReturnsZero()
    {
        var ct = Timeouts.Bounded();
        using var host = MetricsTests.BuildHost(new MetricsTests.SwitchableBackend(), metricsEndpoint: null);
        var run = RegistryServerHost.RunAsync(host, ct);
        var lifetime = host.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(ct);
        }

        lifetime.StopApplication();

        Assert.Equal(0, await run.WaitAsync(ct));
    }
}

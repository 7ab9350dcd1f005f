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
        var backend = new MetricsTests.SwitchableBackend();
        using var host = MetricsTests.BuildHost(backend, metricsEndpoint: null, listen: $"127.0.0.1:{port}");

        var ex = await Assert.ThrowsAsync<ServerStartupException>(() => host.StartAsync(ct));

        Assert.StartsWith($"cannot start the client listener on 127.0.0.1:{port}: ", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.Equal(0, backend.Starts);
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
        var backend = new MetricsTests.SwitchableBackend();
        var clientPort = Persistence.Tests.LoopbackPort.Free();
        using var host = MetricsTests.BuildHost(backend, metricsEndpoint: $"127.0.0.1:{port}", listen: $"127.0.0.1:{clientPort}");

        var ex = await Assert.ThrowsAsync<ServerStartupException>(() => host.StartAsync(ct));

        Assert.StartsWith("cannot start the metrics endpoint on ", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, backend.Starts);

        // Released: nothing listens there any more (rebinding would race with other tests' outgoing ports).
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var refused = await Assert.ThrowsAsync<SocketException>(() => probe.ConnectAsync(IPAddress.Loopback, clientPort, ct).AsTask());
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public async Task StartAsync_WhileTheBackendRecovers_PortsAreHeld_HealthAnswers_ClientsWaitForTheirReply()
    {
        var ct = Timeouts.Bounded();
        var backend = new MetricsTests.SwitchableBackend { Ready = true, Recovery = new(TaskCreationOptions.RunContinuationsAsynchronously) };
        var clientPort = Persistence.Tests.LoopbackPort.Free();
        using var host = MetricsTests.BuildHost(backend, metricsEndpoint: "127.0.0.1:0", listen: $"127.0.0.1:{clientPort}");
        var service = host.Services.GetRequiredService<RegistryServerService>();

        var start = host.StartAsync(ct);
        await backend.Entered.Task.WaitAsync(ct);

        // Recovering: the client port is taken, liveness answers, readiness does not, and a request waits.
        using (var other = new TcpListener(IPAddress.Loopback, clientPort))
        {
            Assert.Throws<SocketException>(other.Start);
        }

        using var http = new HttpClient { BaseAddress = new Uri($"http://{service.MetricsEndPoint}") };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/healthz", UriKind.Relative), ct)).StatusCode);
        var readiness = await http.GetAsync(new Uri("/readyz", UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readiness.StatusCode);
        Assert.Equal("starting\n", await readiness.Content.ReadAsStringAsync(ct));
        using var client = await WireClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, clientPort), ct);
        var reply = client.RequestAsync("{\"type\":\"ping\"}", ct);
        Assert.False(start.IsCompleted);
        Assert.False(reply.IsCompleted);

        backend.Recovery.SetResult();
        await start;

        Assert.Equal("ping_ok", (await reply).GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/readyz", UriKind.Relative), ct)).StatusCode);
        await host.StopAsync(ct);
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
        var logs = new CapturingLoggerProvider(LogLevel.Information);
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
    public async Task MetricsEndpoint_ItsLifetimeAndScrapes_AddNoInformationLines()
    {
        var ct = Timeouts.Bounded();
        var logs = new CapturingLoggerProvider(LogLevel.Information);
        var builder = RegistryServerHost.CreateBuilder([]);
        builder.Logging.ClearProviders().AddProvider(logs);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Registry:ListenEndpoint"] = "127.0.0.1:0", ["Registry:MetricsEndpoint"] = "127.0.0.1:0" });
        builder.Services.AddSingleton<IRegistryBackend>(new MetricsTests.SwitchableBackend());
        using var host = builder.Build();
        await host.StartAsync(ct);
        var service = host.Services.GetRequiredService<RegistryServerService>();
        using (var http = new HttpClient { BaseAddress = new Uri($"http://{service.MetricsEndPoint}") })
        {
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/metrics", UriKind.Relative), ct)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/healthz", UriKind.Relative), ct)).StatusCode);
        }

        await host.StopAsync(ct);

        var lines = string.Join('\n', logs.Entries.Select(e => $"{e.Level} {e.Category}: {e.Message}"));
        Assert.DoesNotContain(logs.Entries, e => e.Category.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Entries, e => e.Category.StartsWith("Microsoft.Hosting.Lifetime", StringComparison.Ordinal));
        Assert.True(logs.Entries.Count(e => e.Message.StartsWith("Registry server listening on", StringComparison.Ordinal)) == 1, lines);
        Assert.True(logs.Entries.Count(e => e.Message.StartsWith("Registry server stopped", StringComparison.Ordinal)) == 1, lines);
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

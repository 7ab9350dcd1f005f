using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Registry.Server.Dispatch;
using Registry.Server.Hosting;
using Registry.Server.Observability;
using Registry.Server.Protocol;

namespace Registry.Server.Tests;

public sealed class MetricsTests
{
    [Fact]
    public void Render_CounterGaugeHistogram_PrometheusText()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var exporter = new PrometheusExporter(m => ReferenceEquals(m.Scope, factory));
        var metrics = new ServerMetrics(factory);
        metrics.ConnectionOpened();

        metrics.RecordRequest("lookup", DispatchOutcome.Ok, TimeSpan.FromMilliseconds(2));
        metrics.RecordRequest("lookup", DispatchOutcome.Ok, TimeSpan.FromMilliseconds(3));
        metrics.RecordRequest("evil\"type", DispatchOutcome.Unknown, TimeSpan.Zero);
        var text = exporter.Render();

        Assert.Contains("# TYPE registry_server_requests_total counter", text, StringComparison.Ordinal);
        Assert.Contains("registry_server_requests_total{outcome=\"ok\",type=\"lookup\"} 2", text, StringComparison.Ordinal);
        Assert.Contains("registry_server_requests_total{outcome=\"unknown\",type=\"(unknown)\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE registry_server_request_duration_seconds histogram", text, StringComparison.Ordinal);
        Assert.Contains("registry_server_request_duration_seconds_bucket{type=\"lookup\",le=\"0.0025\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("registry_server_request_duration_seconds_bucket{type=\"lookup\",le=\"+Inf\"} 2", text, StringComparison.Ordinal);
        Assert.Contains("registry_server_request_duration_seconds_count{type=\"lookup\"} 2", text, StringComparison.Ordinal);
        Assert.Contains("registry_server_connections 1", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_SameTagsInAnyOrderOrManyTags_OneSeriesEach()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var exporter = new PrometheusExporter(m => ReferenceEquals(m.Scope, factory));
        var counter = factory.Create("Registry.Test").CreateCounter<long>("registry.test.events");

        counter.Add(1, new KeyValuePair<string, object?>("a", "1"), new KeyValuePair<string, object?>("b", 2));
        counter.Add(1, new KeyValuePair<string, object?>("b", 2), new KeyValuePair<string, object?>("a", "1"));
        counter.Add(5, new("a", "x"), new("b", "y"), new("c", "z"), new("d", "w"));
        counter.Add(1, new("a", "x"), new("b", "y"), new("c", "z"), new("d", "w"));
        var text = exporter.Render();

        Assert.Contains("registry_test_events_total{a=\"1\",b=\"2\"} 2", text, StringComparison.Ordinal);
        Assert.Contains("registry_test_events_total{a=\"x\",b=\"y\",c=\"z\",d=\"w\"} 6", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_PersistenceSampler_ExportsStoreNumbers()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var exporter = new PrometheusExporter(m => ReferenceEquals(m.Scope, factory));
        var persistence = new PersistenceMetrics(factory);

        Assert.DoesNotContain("registry_wal_poisoned", exporter.Render(), StringComparison.Ordinal);
        persistence.SetSampler(() => new PersistenceSample { Poisoned = true, LogBytes = 4096, Syncs = 12, SnapshotSaves = 9, SnapshotUrgentSaves = 4 });
        persistence.RecordAppendLatency(TimeSpan.FromMilliseconds(0.07));
        var text = exporter.Render();

        Assert.Contains("registry_wal_poisoned 1", text, StringComparison.Ordinal);
        Assert.Contains("registry_wal_size_bytes 4096", text, StringComparison.Ordinal);
        Assert.Contains("registry_wal_syncs_total 12", text, StringComparison.Ordinal);
        Assert.Contains("registry_snapshot_saves_total 9", text, StringComparison.Ordinal);
        Assert.Contains("registry_snapshot_urgent_saves_total 4", text, StringComparison.Ordinal);
        Assert.Contains("registry_wal_append_duration_seconds_count 1", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Endpoints_AfterTraffic_MetricsHealthAndReadiness()
    {
        var ct = Timeouts.Bounded(20);
        var backend = new SwitchableBackend();
        using var host = BuildHost(backend, "127.0.0.1:0");
        await host.StartAsync(ct);
        try
        {
            var service = host.Services.GetRequiredService<RegistryServerService>();
            using (var client = await WireClient.ConnectAsync(service.ListenEndPoint!, ct))
            {
                Assert.Equal("ping_ok", (await client.RequestAsync("{\"type\":\"ping\"}", ct)).GetProperty("type").GetString());
                Assert.Equal("error", (await client.RequestAsync("{\"type\":\"nope\"}", ct)).GetProperty("type").GetString());
            }

            using var http = new HttpClient { BaseAddress = new Uri($"http://{service.MetricsEndPoint}") };
            var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), ct);
            Assert.Contains("registry_server_requests_total{outcome=\"ok\",type=\"ping\"} 1", metrics, StringComparison.Ordinal);
            Assert.Contains("registry_server_requests_total{outcome=\"unknown\",type=\"(unknown)\"} 1", metrics, StringComparison.Ordinal);
            Assert.Contains("# TYPE dotnet_gc_collections_total counter", metrics, StringComparison.Ordinal);
            Assert.Contains("# TYPE dotnet_gc_pause_time_seconds_total counter", metrics, StringComparison.Ordinal);
            Assert.Contains("dotnet_gc_collections_total{gc_heap_generation=\"gen2\"}", metrics, StringComparison.Ordinal);

            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/healthz", UriKind.Relative), ct)).StatusCode);
            var notReady = await http.GetAsync(new Uri("/readyz", UriKind.Relative), ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
            Assert.Contains("recovering", await notReady.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);

            backend.Ready = true;
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/readyz", UriKind.Relative), ct)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri("/other", UriKind.Relative), ct)).StatusCode);
        }
        finally
        {
            await host.StopAsync(ct);
        }
    }

    internal static IHost BuildHost(IRegistryBackend backend, string? metricsEndpoint, string listen = "127.0.0.1:0")
    {
        var builder = RegistryServerHost.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Registry:ListenEndpoint"] = listen,
            ["Registry:MetricsEndpoint"] = metricsEndpoint,
        });
        builder.Services.AddSingleton(backend);
        return builder.Build();
    }

    /// <summary>Test backend: one handler, readiness the test flips.</summary>
    internal sealed class SwitchableBackend : IRegistryBackend
    {
        public volatile bool Ready;

        public bool IsStandby => false;

        public string? ReplicationToken => null;

        public IReplicationSource? Replication => null;

        /// <summary>Completed when <see cref="StartAsync"/> is entered (the host is recovering).</summary>
        public readonly TaskCompletionSource Entered = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completed by a test to end a start that should take a while; null: starts at once.</summary>
        public TaskCompletionSource? Recovery;

        public int Starts;

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Starts);
            Entered.TrySetResult();
            if (Recovery is { } recovery)
            {
                await recovery.Task.WaitAsync(cancellationToken);
            }
        }

        public void MapHandlers(RequestDispatcher dispatcher) => dispatcher.Map("ping", (_, _, _) => ValueTask.FromResult(Response.Ok("ping_ok")));

        public ReadinessReport CheckReadiness() => ReadinessReport.Evaluate(Ready, null, false, null, TimeSpan.Zero);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

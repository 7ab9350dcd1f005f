using Microsoft.Extensions.DependencyInjection;
using Registry.Persistence.Tests;
using Registry.Server.Observability;

namespace Registry.Server.Tests.Registry;

/// <summary>The Store's numbers reach the Prometheus text: the backend's sampler and the persistence library's own meter, without duplicate names.</summary>
public sealed class StoreMetricsTests
{
    [Fact]
    public async Task Render_AfterAMutation_HasSamplerGaugesAndLibraryHistograms_EachNameOnce()
    {
        var ct = Timeouts.Bounded();
        using var dir = new TempDirectory();
        await using var host = await RegistryTestHost.StartAsync(dir.Path, ct);
        using (var client = await host.ConnectAsync(ct))
        {
            using var key = new NodeKey();
            await client.RegisterAsync(key, ct);
        }

        var text = host.Services.GetRequiredService<PrometheusExporter>().Render();

        Assert.Contains("registry_wal_appended_sequence 1", text, StringComparison.Ordinal);
        Assert.Contains("registry_wal_durable_sequence 1", text, StringComparison.Ordinal);
        Assert.Contains("registry_wal_poisoned 0", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE registry_wal_fsync_duration_seconds histogram", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE registry_wal_batch_records histogram", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE registry_recovery_duration_seconds histogram", text, StringComparison.Ordinal);
        Assert.Contains("registry_wal_appended_bytes_total", text, StringComparison.Ordinal);
        var typeLines = text.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]).ToList();
        Assert.Equal(typeLines.Count, typeLines.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task Render_RepeatedSignedRequest_CountsOneComputedVerificationAndMemoHits()
    {
        var ct = Timeouts.Bounded();
        using var dir = new TempDirectory();
        await using var host = await RegistryTestHost.StartAsync(dir.Path, ct);
        using (var client = await host.ConnectAsync(ct))
        {
            using var key = new NodeKey();
            var id = await client.RegisterAsync(key, ct);
            var signature = key.Sign($"heartbeat:{id}");
            for (var i = 0; i < 3; i++)
            {
                await client.OkAsync(new { type = "heartbeat", node_id = id, signature }, ct);
            }
        }

        var text = host.Services.GetRequiredService<PrometheusExporter>().Render();

        Assert.Contains("registry_server_signature_verifications_total{result=\"computed\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("registry_server_signature_verifications_total{result=\"memo\"} 2", text, StringComparison.Ordinal);
    }
}

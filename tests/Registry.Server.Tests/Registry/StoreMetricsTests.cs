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
}

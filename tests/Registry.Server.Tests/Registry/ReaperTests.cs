using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Registry.Persistence.Tests;
using Registry.Server.Registry;

namespace Registry.Server.Tests.Registry;

/// <summary>The stale-node reaper (§2.4) on a fake clock: a node silent past the threshold is reaped, durably, and its key reclaims its id.</summary>
public sealed class ReaperTests
{
    // The periodic tick would race the explicit passes below on the fake clock, and the idle timeout would close the
    // client's connection when the clock jumps; day-long settings keep both out.
    private static readonly Dictionary<string, string?> ManualTicks = new() { ["Registry:ReapInterval"] = "1.00:00:00", ["Registry:IdleTimeout"] = "1.00:00:00" };

    [Fact]
    public async Task ReapOnce_PastThreshold_RemovesSilentNodeOnly_AndSurvivesRestart()
    {
        var ct = Timeouts.Bounded(20);
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var silent = new NodeKey();
        using var alive = new NodeKey();
        uint silentId, aliveId;
        await using (var host = await RegistryTestHost.StartAsync(dir.Path, ct, time: time, settings: ManualTicks))
        {
            using var client = await host.ConnectAsync(ct);
            silentId = await client.RegisterAsync(silent, ct);
            aliveId = await client.RegisterAsync(alive, ct);
            var reaper = host.Services.GetRequiredService<StaleNodeReaper>();

            time.Advance(TimeSpan.FromMinutes(20));
            await client.OkAsync(new { type = "heartbeat", node_id = aliveId, signature = alive.Sign($"heartbeat:{aliveId}") }, ct);
            Assert.Equal(0, await reaper.ReapOnceAsync(ct));

            time.Advance(TimeSpan.FromMinutes(11));
            Assert.Equal(1, await reaper.ReapOnceAsync(ct));

            Assert.Equal($"node {silentId}: node not found", await client.ErrorAsync(new { type = "lookup", node_id = silentId }, ct));
            await client.OkAsync(new { type = "lookup", node_id = aliveId }, ct);
        }

        await using (var host = await RegistryTestHost.StartAsync(dir.Path, ct, time: time, settings: ManualTicks))
        {
            using var client = await host.ConnectAsync(ct);
            Assert.Equal($"node {silentId}: node not found", await client.ErrorAsync(new { type = "lookup", node_id = silentId }, ct));
            Assert.Equal(silentId, await client.RegisterAsync(silent, ct));
        }
    }

    [Fact]
    public async Task PeriodicTick_ThatFailsUnexpectedly_KeepsTheHostRunning_AndTheNextTickStillReaps()
    {
        var ct = Timeouts.Bounded(20);
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var settings = new Dictionary<string, string?> { ["Registry:ReapInterval"] = "00:01:00", ["Registry:IdleTimeout"] = "1.00:00:00" };
        using var silent = new NodeKey();
        await using var host = await RegistryTestHost.StartAsync(dir.Path, ct, time: time, settings: settings);
        using var client = await host.ConnectAsync(ct);
        var silentId = await client.RegisterAsync(silent, ct);

        var ticks = Enumerable.Range(0, 3).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var seen = 0;
        var reaper = host.Services.GetRequiredService<StaleNodeReaper>();
        reaper.BeforeTickForTests = _ =>
        {
            var tick = Interlocked.Increment(ref seen);
            if (tick <= ticks.Length)
            {
                ticks[tick - 1].TrySetResult();
            }

            // The first tick fails the way a bug in a pass would; a BackgroundService that let it escape would stop the host.
            return tick == 1 ? throw new InvalidOperationException("injected reaper failure") : ValueTask.CompletedTask;
        };

        // Past the stale threshold, so the tick after the failed one has a node to reap.
        time.Advance(TimeSpan.FromMinutes(31));
        await ticks[0].Task.WaitAsync(ct);
        time.Advance(TimeSpan.FromMinutes(1));
        await ticks[1].Task.WaitAsync(ct);

        // Ticks run one after another: the third has begun only once the second's pass has finished.
        time.Advance(TimeSpan.FromMinutes(1));
        await ticks[2].Task.WaitAsync(ct);
        Assert.Equal($"node {silentId}: node not found", await client.ErrorAsync(new { type = "lookup", node_id = silentId }, ct));
        Assert.False(host.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);
    }
}

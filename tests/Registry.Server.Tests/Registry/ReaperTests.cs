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
        var clock = new TimerWatchingClock(time, TimeSpan.FromMinutes(1));
        using var silent = new NodeKey();
        await using var host = await RegistryTestHost.StartAsync(dir.Path, ct, time: clock, settings: settings);
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

        // Past the stale threshold, so the tick after the failed one has a node to reap. The reaper makes its timer on a
        // pool thread after the host has started (a BackgroundService runs all of ExecuteAsync in the background): the
        // clock moves only once that timer exists, since one made after the jump would tick a minute later than it.
        await clock.ReapTimerMade.WaitAsync(ct);
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

    /// <summary>A fake clock that says when a periodic timer of <paramref name="watched"/> (the reaper's) has been made on it.</summary>
    private sealed class TimerWatchingClock(FakeTimeProvider clock, TimeSpan watched) : TimeProvider
    {
        private readonly TaskCompletionSource _made = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task ReapTimerMade => _made.Task;

        public override long TimestampFrequency => clock.TimestampFrequency;

        public override TimeZoneInfo LocalTimeZone => clock.LocalTimeZone;

        public override DateTimeOffset GetUtcNow() => clock.GetUtcNow();

        public override long GetTimestamp() => clock.GetTimestamp();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = clock.CreateTimer(callback, state, dueTime, period);
            if (period == watched)
            {
                _made.TrySetResult();
            }

            return timer;
        }
    }
}

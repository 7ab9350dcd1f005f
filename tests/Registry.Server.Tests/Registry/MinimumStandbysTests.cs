using System.IO.Pipelines;
using Microsoft.Extensions.Time.Testing;
using Registry.Persistence.Tests;
using Registry.Server.Protocol;
using Registry.Server.Replication;
using static Registry.Server.Tests.Registry.PrimaryStandbyTests;

namespace Registry.Server.Tests.Registry;

/// <summary>MinStandbysToWrite: a primary that has not heard from enough standbys lately refuses writes, changing nothing.</summary>
public sealed class MinimumStandbysTests
{
    [Fact]
    public void HeardWithin_CountsConnectedStandbysByTheirLastConfirmation()
    {
        var time = new FakeTimeProvider();
        var confirmations = new StandbyConfirmations(time);
        var lag = TimeSpan.FromSeconds(10);
        Assert.Equal(0, confirmations.HeardWithin(lag));

        var first = confirmations.Attach();
        first.Confirm(5);
        using var second = confirmations.Attach();
        second.Confirm(3);
        Assert.Equal(2, confirmations.HeardWithin(lag));
        Assert.Equal(5UL, confirmations.Confirmed);

        time.Advance(TimeSpan.FromSeconds(6));
        second.Confirm(3);
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(1, confirmations.HeardWithin(lag));

        // A confirmation of nothing new still says the standby is there.
        first.Confirm(5);
        Assert.Equal(2, confirmations.HeardWithin(lag));

        first.Dispose();
        first.Dispose();
        Assert.Equal(1, confirmations.HeardWithin(lag));
        Assert.Equal(1, confirmations.ConfirmingStandbys);
    }

    [Fact]
    public async Task Quorum_CountsDistinctStandbys_AReconnectionOnce_AndForgetsWhatAnAnonymousOneHeld()
    {
        var confirmations = new StandbyConfirmations(new FakeTimeProvider(), quorum: 2);
        var waiting = confirmations.WaitAsync(4, TimeSpan.FromMinutes(1), TimeProvider.System, TestContext.Current.CancellationToken);

        // One standby on two connections (it reconnected before the old one was closed) is one standby.
        using var a = confirmations.Attach("aaaa");
        using var aAgain = confirmations.Attach("aaaa");
        a.Confirm(10);
        aAgain.Confirm(10);
        Assert.Equal(1, confirmations.ConfirmingStandbys);
        Assert.Equal(1, confirmations.HeardWithin(TimeSpan.FromSeconds(10)));
        Assert.Equal(0UL, confirmations.Confirmed);

        // A subscriber without an identity counts while connected; gone, what it held no longer does.
        var anonymous = confirmations.Attach();
        anonymous.Confirm(3);
        Assert.Equal(3UL, confirmations.Confirmed);
        Assert.False(waiting.IsCompleted);
        anonymous.Dispose();
        using var again = confirmations.Attach();
        again.Confirm(3);
        Assert.Equal(2, confirmations.ConfirmingStandbys);

        // A second identified standby: the quorum holds the lower of the two positions.
        using var b = confirmations.Attach("bbbb");
        b.Confirm(5);
        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken));
        Assert.Equal(5UL, confirmations.Confirmed);
    }

    [Fact]
    public async Task DurablePositionReporter_ConfirmsOnceASecondWhenNothingChanges()
    {
        var time = new FakeTimeProvider();
        var pipe = new Pipe();
        var durable = 7UL;
        var taken = 0;
        var reporter = new DurablePositionReporter(new FrameWriter(pipe.Writer), () => ReadCounted(ref durable, ref taken), time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var running = reporter.RunAsync(stop.Token);
        var reader = new FrameReader(pipe.Reader, 1024);

        reporter.Signal();
        Assert.Equal(7UL, await NextAckAsync(reader));

        // Nothing new and no time passed: a signal sends nothing; a second later the same position is sent again.
        reporter.Signal();

        // The clock moves only once the reporter has taken that signal (it reads the position once per signal taken),
        // so the signal is seen to send nothing, and the ack awaited below answers the tick alone.
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref taken) == 2, TimeSpan.FromSeconds(20)), "the reporter did not take the signal");
        var next = NextAckAsync(reader);
        Assert.False(next.IsCompleted);
        time.Advance(DurablePositionReporter.KeepAliveInterval);
        Assert.Equal(7UL, await next.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken));

        Volatile.Write(ref durable, 9);
        reporter.Signal();
        Assert.Equal(9UL, await NextAckAsync(reader));

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }

    [Fact]
    public async Task DurablePositionReporter_KeepAliveOnly_ReportsChangesWithTheNextTick()
    {
        var time = new FakeTimeProvider();
        var pipe = new Pipe();
        var durable = 7UL;
        var taken = 0;
        var reporter = new DurablePositionReporter(new FrameWriter(pipe.Writer), () => ReadCounted(ref durable, ref taken), time, everyChange: false);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var running = reporter.RunAsync(stop.Token);
        var reader = new FrameReader(pipe.Reader, 1024);

        reporter.Signal();
        Assert.Equal(7UL, await NextAckAsync(reader));

        // A new position alone sends nothing (no frame per change for a primary that only counts standbys).
        Volatile.Write(ref durable, 9);
        reporter.Signal();

        // The clock moves only once the reporter has taken that signal (it reads the position once per signal taken),
        // so the signal is seen to send nothing, and the ack awaited below answers the tick alone.
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref taken) == 2, TimeSpan.FromSeconds(20)), "the reporter did not take the signal");
        var next = NextAckAsync(reader);
        Assert.False(next.IsCompleted);
        time.Advance(DurablePositionReporter.KeepAliveInterval);
        Assert.Equal(9UL, await next.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken));

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }

    [Fact]
    public async Task DurablePositionReporter_AKeepAliveDueWhileTheLastFrameIsStillGoingOut_IsNotLost()
    {
        var time = new FakeTimeProvider();

        // The reporter's writes wait until the test has read what it wrote.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1, resumeWriterThreshold: 1, useSynchronizationContext: false));
        var reporter = new DurablePositionReporter(new FrameWriter(pipe.Writer), () => 7UL, time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Timeouts.Bounded(20));
        var running = reporter.RunAsync(stop.Token);
        var reader = new FrameReader(pipe.Reader, 1024);

        reporter.Signal();
        using (var first = (await reader.ReadAsync(stop.Token)).Document!)
        {
            Assert.Equal(7UL, ReplicationMessages.ReadAck(first.RootElement));

            // While that frame is still going out: a signal that brings nothing new waits, and the keep-alive tick comes.
            reporter.Signal();
            time.Advance(DurablePositionReporter.KeepAliveInterval);
        }

        reader.Release();
        Assert.Equal(7UL, await NextAckAsync(reader).WaitAsync(stop.Token));

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }

    /// <summary>The durable position as the reporter reads it, once per signal it takes; counts the reads in <paramref name="reads"/>.</summary>
    private static ulong ReadCounted(ref ulong durable, ref int reads)
    {
        Interlocked.Increment(ref reads);
        return Volatile.Read(ref durable);
    }

    private static async Task<ulong> NextAckAsync(FrameReader reader)
    {
        var frame = await reader.ReadAsync(TestContext.Current.CancellationToken);
        using var document = frame.Document!;
        var sequence = ReplicationMessages.ReadAck(document.RootElement) ?? throw new InvalidOperationException("not an ack");
        reader.Release();
        return sequence;
    }

    [Theory]
    [InlineData("Registry:MinStandbysToWrite", "-1")]
    [InlineData("Registry:MinStandbysMaxLag", "00:00:01")]
    public async Task Options_OutOfRange_RefusedAtStartNamingTheSetting(string key, string value)
    {
        using var dir = new TempDirectory();
        var ex = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(
            () => RegistryTestHost.StartAsync(dir.Path, Timeouts.Bounded(30), settings: new Dictionary<string, string?> { [key] = value }));
        Assert.Contains(key, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APrimaryCutOffFromItsStandby_RefusesWritesUntilItHearsFromItAgain()
    {
        var ct = Timeouts.Bounded(90);
        using var dir = new TempDirectory();
        var settings = PrimarySettings();
        settings["Registry:MinStandbysToWrite"] = "1";
        settings["Registry:MinStandbysMaxLag"] = "00:00:02";
        await using var primary = await RegistryTestHost.StartAsync(dir.Combine("a"), ct, settings: settings);
        using var client = await primary.ConnectAsync(ct);

        // No standby yet: refused, and nothing was logged or changed.
        var start = Applied(primary);
        var refused = await client.ErrorAsync(Register(1), ct);
        Assert.Contains("cannot confirm enough standbys (0 of 1", refused, StringComparison.Ordinal);
        Assert.Equal(start, Applied(primary));
        Assert.StartsWith("writes refused: 0 of the 1 standbys", Backend(primary).CheckReadiness().Reason, StringComparison.Ordinal);
        var status = await client.OkAsync(new { type = "server_status", admin_token = RegistryTestHost.AdminToken }, ct);
        Assert.False(status.GetProperty("writes").GetBoolean());
        Assert.Contains("MinStandbysToWrite", status.GetProperty("writes_refused").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, status.GetProperty("standbys_heard").GetInt32());

        // A standby, reached through a link the test can cut.
        await using var link = new LoopbackProxy(primary.EndPoint);
        var standbySettings = StandbyOf(primary);
        standbySettings["Registry:StandbyOf"] = link.EndPoint.ToString();
        await using var standby = await RegistryTestHost.StartAsync(dir.Combine("b"), ct, settings: standbySettings);
        Assert.True(SpinWait.SpinUntil(() => Backend(primary).CheckReadiness().IsReady, TimeSpan.FromSeconds(20)), Backend(primary).CheckReadiness().Reason);
        await client.OkAsync(Register(2), ct);

        // The link is cut: within the lag the primary stops taking writes, and a refused write changes nothing.
        link.Partition();
        Assert.True(SpinWait.SpinUntil(() => !Backend(primary).CheckReadiness().IsReady, TimeSpan.FromSeconds(20)), "the primary still counts a standby it cannot hear");
        var before = Applied(primary);
        Assert.Contains("cannot confirm enough standbys (0 of 1", await client.ErrorAsync(Register(3), ct), StringComparison.Ordinal);
        Assert.Equal(before, Applied(primary));

        // The standby reconnects directly: writes are taken again.
        await standby.DisposeAsync();
        await using var rejoined = await RegistryTestHost.StartAsync(dir.Combine("b"), ct, settings: StandbyOf(primary));
        Assert.True(SpinWait.SpinUntil(() => Backend(primary).CheckReadiness().IsReady, TimeSpan.FromSeconds(20)), Backend(primary).CheckReadiness().Reason);
        await client.OkAsync(Register(3), ct);
    }
}

using Registry.Server.Dispatch;
using Registry.Server.Protocol;

namespace Registry.Server.Tests;

/// <summary>The event loop sends a reply only once the log positions its handler recorded are confirmed (docs/adr/0016).</summary>
public sealed class EventLoopDurabilityTests
{
    [Fact]
    public async Task Reply_HandlerRecordedASequence_IsHeldUntilTheWaitReturns()
    {
        var ct = Timeouts.Bounded();
        using var waiter = new GatedWaiter();
        await using var server = StartWith(waiter);
        using var client = await server.ConnectAsync(ct);

        await client.SendAsync("{\"type\":\"mutate\",\"n\":7}", ct);
        await waiter.Entered.Task.WaitAsync(ct);
        var reply = client.ReadAsync(ct);

        // The loop is inside the wait: nothing can have been sent yet.
        Assert.False(reply.IsCompleted);
        Assert.Equal((7UL, 0UL), waiter.LastCall);
        waiter.Release();
        Assert.Equal("{\"n\":7,\"type\":\"mutate_ok\"}", await reply);
    }

    [Fact]
    public async Task Reply_LogFailedBeforeTheChangeWasDurable_IsAnErrorButReadsAreAnswered()
    {
        var ct = Timeouts.Bounded();
        using var waiter = new GatedWaiter { Failure = "storage failure: mutation not persisted" };
        waiter.Release();
        await using var server = StartWith(waiter);
        using var client = await server.ConnectAsync(ct);

        var mutated = await client.RequestAsync("{\"type\":\"mutate\",\"n\":3}", ct);
        var read = await client.RequestAsync("{\"type\":\"read\",\"n\":3}", ct);

        Assert.Equal("error", mutated.GetProperty("type").GetString());
        Assert.Equal("request failed", mutated.GetProperty("error").GetString());
        Assert.Equal("read_ok", read.GetProperty("type").GetString());
        Assert.Equal((0UL, 3UL), waiter.LastCall);
    }

    [Fact]
    public async Task Reply_TheWaitThrows_RequestFailedAndTheLoopKeepsServing()
    {
        var ct = Timeouts.Bounded();
        var waiter = new ThrowingOnceWaiter();
        await using var server = StartWith(waiter);
        using var client = await server.ConnectAsync(ct);

        var first = await client.RequestAsync("{\"type\":\"mutate\",\"n\":5}", ct);
        var second = await client.RequestAsync("{\"type\":\"mutate\",\"n\":6}", ct);

        Assert.Equal("request failed", first.GetProperty("error").GetString());
        Assert.Equal("mutate_ok", second.GetProperty("type").GetString());
        Assert.Equal(2, waiter.Calls);
    }

    [Fact]
    public async Task Pass_ARequestArrivesWhileItRuns_JoinsItsCommit()
    {
        var ct = Timeouts.Bounded();
        var waiter = new RecordingWaiter();
        using var entered = new ManualResetEventSlim(false);
        using var release = new ManualResetEventSlim(false);
        await using var server = TestServer.Start(
            map: d => MapMutations(d).Map("mutate_held", (_, request, handlerCt) =>
            {
                // Holds the loop inside this pass until the test has put a second request on the wire.
                DeferredDurability.Current!.RequireAcknowledged(RequestFields.GetUInt32(request, "n"));
                entered.Set();
                release.Wait(TimeSpan.FromSeconds(30), handlerCt);
                return ValueTask.FromResult(Response.Ok("mutate_held_ok"));
            }, bounded: true),
            configure: o => o with { EventLoops = 1, Durability = waiter });
        using var first = await server.ConnectAsync(ct);
        using var second = await server.ConnectAsync(ct);
        await second.RequestAsync("{\"type\":\"read\",\"n\":0}", ct);
        var callsBefore = waiter.Calls.Count;

        await first.SendAsync("{\"type\":\"mutate_held\",\"n\":1}", ct);
        Assert.True(entered.Wait(TimeSpan.FromSeconds(30), ct));
        await second.SendAsync("{\"type\":\"mutate\",\"n\":2}", ct);
        release.Set();
        var replies = await Task.WhenAll(first.ReadAsync(ct), second.ReadAsync(ct));

        // One commit for both: the second request was read before the pass committed, not in a pass of its own.
        Assert.Equal("{\"type\":\"mutate_held_ok\"}", replies[0]);
        Assert.Equal("{\"n\":2,\"type\":\"mutate_ok\"}", replies[1]);
        Assert.Equal([(2UL, 0UL)], waiter.Calls.Skip(callsBefore));
    }

    private static TestServer StartWith(IDurabilityWaiter waiter) => TestServer.Start(map: d => MapMutations(d), configure: o => o with { EventLoops = 1, Durability = waiter });

    private static RequestDispatcher MapMutations(RequestDispatcher d) => d
        .Map("mutate", static (_, request, _) =>
        {
            var n = RequestFields.GetUInt32(request, "n");
            DeferredDurability.Current!.RequireAcknowledged(n);
            return ValueTask.FromResult(Response.Build("mutate_ok", n, static (w, v) => w.WriteNumber("n", v)));
        }, bounded: true)
        .Map("read", static (_, request, _) =>
        {
            DeferredDurability.Current!.RequireCovered(RequestFields.GetUInt32(request, "n"));
            return ValueTask.FromResult(Response.Ok("read_ok"));
        }, bounded: true);

    /// <summary>A durability wait the test opens; it fails mutations with <see cref="Failure"/> when set.</summary>
    private sealed class GatedWaiter : IDurabilityWaiter, IDisposable
    {
        private readonly ManualResetEventSlim _open = new();

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string? Failure { get; init; }

        public (ulong Acknowledged, ulong Covered) LastCall { get; private set; }

        public void Release() => _open.Set();

        public void AttachCommitter()
        {
        }

        public string? WaitFor(ulong acknowledged, ulong covered)
        {
            LastCall = (acknowledged, covered);
            Entered.TrySetResult();
            _open.Wait(TimeSpan.FromSeconds(30));
            return acknowledged != 0 ? Failure : null;
        }

        public void Dispose() => _open.Dispose();
    }

    /// <summary>A durability wait that records its calls and returns at once.</summary>
    private sealed class RecordingWaiter : IDurabilityWaiter
    {
        private readonly Lock _lock = new();
        private readonly List<(ulong Acknowledged, ulong Covered)> _calls = [];

        public IReadOnlyList<(ulong Acknowledged, ulong Covered)> Calls
        {
            get
            {
                lock (_lock)
                {
                    return [.. _calls];
                }
            }
        }

        public void AttachCommitter()
        {
        }

        public string? WaitFor(ulong acknowledged, ulong covered)
        {
            lock (_lock)
            {
                _calls.Add((acknowledged, covered));
            }

            return null;
        }
    }

    /// <summary>A durability wait whose first call throws, as a bug behind it would.</summary>
    private sealed class ThrowingOnceWaiter : IDurabilityWaiter
    {
        public int Calls { get; private set; }

        public void AttachCommitter()
        {
        }

        public string? WaitFor(ulong acknowledged, ulong covered) =>
            ++Calls == 1 ? throw new InvalidOperationException("a bug behind the wait") : null;
    }
}

using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Registry.Server.Dispatch;
using Registry.Server.Protocol;
using Registry.Server.Transport;

namespace Registry.Server.Tests;

/// <summary>The transport's contract, served by a task per connection; <see cref="EventLoopTransportTests"/> runs the same tests against the event loop.</summary>
public class TransportTests
{
    /// <summary>Event-loop threads of the servers these tests start (0: a task per connection).</summary>
    private protected virtual int EventLoops => 0;

    public static TheoryData<string, byte[]> MalformedFrames => new()
    {
        { "length 0", [0, 0, 0, 0] },
        { "oversize length", [0x7F, 0xFF, 0xFF, 0xFF] },
        { "just above the limit", [0, 0, 0x10, 0x01] },
        { "invalid json", WireClient.Frame("{\"type\":") },
        { "garbage", WireClient.Frame("not json at all") },
        { "trailing data", WireClient.Frame("{\"type\":\"echo\"} x") },
        { "array", WireClient.Frame("[1,2,3]") },
        { "string", WireClient.Frame("\"echo\"") },
        { "number", WireClient.Frame("42") },
        { "null", WireClient.Frame("null") },
    };

    [Fact]
    public async Task Request_ValidFrame_RoundTripsThroughTcp()
    {
        var ct = Timeouts.Bounded();
        await using var server = Start(configure: o => o with { MaxFrameBytes = 4096 });
        using var client = await server.ConnectAsync(ct);

        var reply = await client.RequestAsync("{\"type\":\"echo\",\"n\":7}", ct);

        Assert.Equal(EventLoops, server.Listener.EventLoopCount);
        Assert.Equal("echo_ok", reply.GetProperty("type").GetString());
        Assert.Equal(7, reply.GetProperty("n").GetInt32());
    }

    [Theory]
    [MemberData(nameof(MalformedFrames))]
    public async Task Read_MalformedFrame_ClosesWithoutReplyWhileOtherConnectionIsServed(string name, byte[] bytes)
    {
        var ct = Timeouts.Bounded();
        await using var server = Start(configure: o => o with { MaxFrameBytes = 4096 });
        using var healthy = await server.ConnectAsync(ct);
        using var hostile = await server.ConnectAsync(ct);

        Assert.Equal("echo_ok", (await healthy.RequestAsync("{\"type\":\"echo\"}", ct)).GetProperty("type").GetString());
        await hostile.SendRawAsync(bytes, ct);
        Assert.Null(await hostile.ReadAsync(ct));
        Assert.Equal("echo_ok", (await healthy.RequestAsync("{\"type\":\"echo\",\"n\":2}", ct)).GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(name));
    }

    [Fact]
    public async Task Read_TruncatedBody_ClosesWithoutReply()
    {
        var ct = Timeouts.Bounded();
        await using var server = Start();
        using var healthy = await server.ConnectAsync(ct);
        using var client = await server.ConnectAsync(ct);
        var frame = WireClient.Frame("{\"type\":\"echo\"}");

        await client.SendRawAsync(frame[..^3], ct);
        client.ShutdownSend();

        Assert.Null(await client.ReadAsync(ct));
        Assert.Equal("echo_ok", (await healthy.RequestAsync("{\"type\":\"echo\"}", ct)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Read_TruncatedPrefix_ClosesWithoutReply()
    {
        var ct = Timeouts.Bounded();
        await using var server = Start();
        using var client = await server.ConnectAsync(ct);

        await client.SendRawAsync([0, 0], ct);
        client.ShutdownSend();

        Assert.Null(await client.ReadAsync(ct));
    }

    [Fact]
    public async Task Request_FrameSplitAcrossWrites_IsReassembled()
    {
        var ct = Timeouts.Bounded();
        await using var server = Start();
        using var client = await server.ConnectAsync(ct);
        var frame = WireClient.Frame("{\"type\":\"echo\",\"n\":3}");

        foreach (var b in frame)
        {
            await client.SendRawAsync([b], ct);
        }

        var reply = JsonDocument.Parse((await client.ReadAsync(ct))!).RootElement;
        Assert.Equal(3, reply.GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task Requests_ManyClientsOfHandlersThatFinishElsewhere_EveryOneIsAnswered()
    {
        // Handlers that complete on other threads hand their replies back concurrently; none may be lost or stall
        // (an event loop once lost its wake-up when a completion arrived while it was draining its signal).
        var ct = Timeouts.Bounded(60);
        await using var server = Start(map: d => d
            .Map("elsewhere", static async (_, request, _) =>
            {
                await Task.Yield();
                return Response.Build("elsewhere_ok", RequestFields.GetUInt32(request, "n"), static (w, n) => w.WriteNumber("n", n));
            })
            .Map("here", static (_, request, _) => ValueTask.FromResult(Response.Build("here_ok", RequestFields.GetUInt32(request, "n"), static (w, n) => w.WriteNumber("n", n))), bounded: true));
        const int Clients = 16;
        const int Requests = 300;

        await Task.WhenAll(Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            using var client = await server.ConnectAsync(ct);
            for (var i = 0; i < Requests; i++)
            {
                var type = (i + c) % 4 == 0 ? "here" : "elsewhere";
                var reply = await client.RequestAsync($"{{\"type\":\"{type}\",\"n\":{i}}}", ct);
                Assert.Equal(type + "_ok", reply.GetProperty("type").GetString());
                Assert.Equal(i, reply.GetProperty("n").GetInt32());
            }
        }, ct)));
    }

    [Fact]
    public async Task Request_FrameAboveTheInlineParseLimit_IsServedInOrderBetweenSmallOnes()
    {
        // An event loop hands such a connection, with what it already read, to a task of its own.
        var ct = Timeouts.Bounded();
        await using var server = Start(configure: o => o with { MaxFrameBytes = 64 * 1024 });
        using var client = await server.ConnectAsync(ct);
        var pad = new string('x', FrameReader.InlineParseLimit + 4096);

        Assert.Equal(1, (await client.RequestAsync("{\"type\":\"echo\",\"n\":1}", ct)).GetProperty("n").GetInt32());
        var frames = WireClient.Frame($"{{\"type\":\"echo\",\"n\":2,\"pad\":\"{pad}\"}}").Concat(WireClient.Frame("{\"type\":\"echo\",\"n\":3}")).ToArray();
        await client.SendRawAsync(frames, ct);

        Assert.Equal(2, JsonDocument.Parse((await client.ReadAsync(ct))!).RootElement.GetProperty("n").GetInt32());
        Assert.Equal(3, JsonDocument.Parse((await client.ReadAsync(ct))!).RootElement.GetProperty("n").GetInt32());
        Assert.Equal(4, (await client.RequestAsync("{\"type\":\"echo\",\"n\":4}", ct)).GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task Request_Pipelined_RepliesInRequestOrder()
    {
        var ct = Timeouts.Bounded();
        await using var server = Start();
        using var client = await server.ConnectAsync(ct);
        const int Count = 200;
        var all = new List<byte>();
        for (var i = 0; i < Count; i++)
        {
            all.AddRange(WireClient.Frame(i % 3 == 0 ? "{\"type\":\"nope\"}" : $"{{\"type\":\"echo\",\"n\":{i}}}"));
        }

        await client.SendRawAsync([.. all], ct);

        for (var i = 0; i < Count; i++)
        {
            var reply = JsonDocument.Parse((await client.ReadAsync(ct))!).RootElement;
            if (i % 3 == 0)
            {
                Assert.Equal("error", reply.GetProperty("type").GetString());
            }
            else
            {
                Assert.Equal(i, reply.GetProperty("n").GetInt32());
            }
        }
    }

    [Fact]
    public async Task Request_UnknownType_RequestFailedAndConnectionStaysOpen()
    {
        var ct = Timeouts.Bounded();
        await using var server = Start();
        using var client = await server.ConnectAsync(ct);

        await client.SendAsync("{\"type\":\"no_such_type\"}", ct);
        Assert.Equal("{\"error\":\"request failed\",\"type\":\"error\"}", await client.ReadAsync(ct));
        await client.SendAsync("{\"no_type\":1}", ct);
        Assert.Equal("{\"error\":\"request failed\",\"type\":\"error\"}", await client.ReadAsync(ct));

        Assert.Equal("echo_ok", (await client.RequestAsync("{\"type\":\"echo\"}", ct)).GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("node 5: node not found", "node 5: node not found")]
    [InlineData("registry full", "request failed")]
    [InlineData("network creation is disabled", "request failed")]
    public async Task Request_HandlerError_SanitizedOnTheWire(string message, string expected)
    {
        var ct = Timeouts.Bounded();
        await using var server = Start();
        using var client = await server.ConnectAsync(ct);

        var reply = await client.RequestAsync(JsonSerializer.Serialize(new { type = "fail", message }), ct);

        Assert.Equal(expected, reply.GetProperty("error").GetString());
        Assert.Equal("error", reply.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Request_HandlerThrows_RequestFailedWithoutDetailAndConnectionStaysOpen()
    {
        var ct = Timeouts.Bounded();
        await using var server = Start();
        using var client = await server.ConnectAsync(ct);

        Assert.Equal("request failed", (await client.RequestAsync("{\"type\":\"throw\"}", ct)).GetProperty("error").GetString());
        Assert.Equal("echo_ok", (await client.RequestAsync("{\"type\":\"echo\"}", ct)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Connections_SlowHandler_DoesNotBlockOtherConnections()
    {
        var ct = Timeouts.Bounded();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = Start(map: d => d.Map("slow", async (_, _, token) =>
        {
            await release.Task.WaitAsync(token);
            return Response.Ok("slow_ok");
        }));
        using var slow = await server.ConnectAsync(ct);
        using var fast = await server.ConnectAsync(ct);

        await slow.SendAsync("{\"type\":\"slow\"}", ct);
        Assert.Equal("echo_ok", (await fast.RequestAsync("{\"type\":\"echo\"}", ct)).GetProperty("type").GetString());

        release.SetResult();
        Assert.Equal("{\"type\":\"slow_ok\"}", await slow.ReadAsync(ct));
    }

    [Fact]
    public async Task Read_IdleBeyondTimeout_ClosesConnection()
    {
        var ct = Timeouts.Bounded();
        var time = new FakeTimeProvider();
        await using var server = Start(configure: o => o with { TimeProvider = time, IdleTimeout = TimeSpan.FromMinutes(5), WriteTimeout = TimeSpan.FromDays(1) });
        using var client = await server.ConnectAsync(ct);
        Assert.Equal("echo_ok", (await client.RequestAsync("{\"type\":\"echo\"}", ct)).GetProperty("type").GetString());
        var read = client.ReadAsync(ct);

        // The server re-arms its idle timer after writing the reply; advancing until the read completes removes that race without sleeping.
        while (!read.IsCompleted)
        {
            time.Advance(TimeSpan.FromMinutes(5));
            await Task.WhenAny(read, Task.Delay(20, ct));
        }

        Assert.Null(await read);
    }

    [Fact]
    public async Task Read_PartialFrameBeyondIdleTimeout_ClosesConnection()
    {
        // A client that starts a frame and never finishes it must not hold the connection (a slow-loris).
        var ct = Timeouts.Bounded();
        var time = new FakeTimeProvider();
        await using var server = Start(configure: o => o with { TimeProvider = time, IdleTimeout = TimeSpan.FromMinutes(5), WriteTimeout = TimeSpan.FromDays(1) });
        using var client = await server.ConnectAsync(ct);
        Assert.Equal("echo_ok", (await client.RequestAsync("{\"type\":\"echo\"}", ct)).GetProperty("type").GetString());
        await client.SendRawAsync(WireClient.Frame("{\"type\":\"echo\"}")[..7], ct);
        var read = client.ReadAsync(ct);

        while (!read.IsCompleted)
        {
            time.Advance(TimeSpan.FromMinutes(5));
            await Task.WhenAny(read, Task.Delay(20, ct));
        }

        Assert.Null(await read);
    }

    [Fact]
    public async Task Read_ShortOfIdleTimeout_KeepsConnection()
    {
        var ct = Timeouts.Bounded();
        var time = new FakeTimeProvider();
        await using var server = Start(configure: o => o with { TimeProvider = time, IdleTimeout = TimeSpan.FromMinutes(5), WriteTimeout = TimeSpan.FromDays(1) });
        using var client = await server.ConnectAsync(ct);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("echo_ok", (await client.RequestAsync("{\"type\":\"echo\"}", ct)).GetProperty("type").GetString());
            time.Advance(TimeSpan.FromMinutes(4));
        }

        Assert.Equal("echo_ok", (await client.RequestAsync("{\"type\":\"echo\"}", ct)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Request_AverageAboveCloseRateAfterGrace_ClosesConnection()
    {
        var ct = Timeouts.Bounded(30);
        var time = new FakeTimeProvider();
        await using var server = Start(configure: o => o with { TimeProvider = time, WriteTimeout = TimeSpan.FromDays(1) });
        using var client = await server.ConnectAsync(ct);

        // 2,600 requests inside the 5 s grace period, then 5 s pass: the next request averages 520 req/s > 500.
        var burst = new List<byte>();
        for (var i = 0; i < 2600; i++)
        {
            burst.AddRange(WireClient.Frame("{\"type\":\"echo\"}"));
        }

        await client.SendRawAsync([.. burst], ct);
        for (var i = 0; i < 2600; i++)
        {
            Assert.NotNull(await client.ReadAsync(ct));
        }

        time.Advance(TimeSpan.FromSeconds(5));
        await client.SendAsync("{\"type\":\"echo\"}", ct);

        Assert.Null(await client.ReadAsync(ct));
    }

    [Fact]
    public async Task Connect_AboveConnectionCap_ClosedImmediately()
    {
        var ct = Timeouts.Bounded();
        await using var server = Start(configure: o => o with { MaxConnections = 1 });
        using var first = await server.ConnectAsync(ct);
        Assert.Equal("echo_ok", (await first.RequestAsync("{\"type\":\"echo\"}", ct)).GetProperty("type").GetString());

        using var second = await server.ConnectAsync(ct);
        await second.SendAsync("{\"type\":\"echo\"}", ct);

        Assert.Null(await second.ReadAsync(ct));
    }

    [Fact]
    public async Task Request_ClientGoneBeforeItsReply_ConnectionClosedOthersServed()
    {
        var ct = Timeouts.Bounded();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = Start(map: d => d.Map("slow", async (_, _, token) =>
        {
            entered.SetResult();
            await release.Task.WaitAsync(token);
            return Response.Ok("slow_ok");
        }));
        using var other = await server.ConnectAsync(ct);
        using (var gone = await server.ConnectAsync(ct))
        {
            await gone.SendAsync("{\"type\":\"slow\"}", ct);
            await entered.Task.WaitAsync(ct);
        }

        release.SetResult();

        // The reply has nowhere to go: that connection ends, and nobody else notices.
        Assert.True(SpinWait.SpinUntil(() => server.Listener.ConnectionCount == 1, TimeSpan.FromSeconds(10)), $"{server.Listener.ConnectionCount} connections open");
        Assert.Equal("echo_ok", (await other.RequestAsync("{\"type\":\"echo\"}", ct)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Stop_RequestInFlight_FinishesBeforeClose()
    {
        var ct = Timeouts.Bounded();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = Start(map: d => d.Map("slow", async (_, _, token) =>
        {
            entered.SetResult();
            await release.Task.WaitAsync(token);
            return Response.Ok("slow_ok");
        }));
        await using (server)
        {
            using var client = await server.ConnectAsync(ct);
            using var idle = await server.ConnectAsync(ct);
            await client.SendAsync("{\"type\":\"slow\"}", ct);
            await entered.Task.WaitAsync(ct);

            var stop = server.Listener.StopAsync(ct);
            Assert.Null(await idle.ReadAsync(ct));
            release.SetResult();

            Assert.Equal("{\"type\":\"slow_ok\"}", await client.ReadAsync(ct));
            await stop;
            Assert.Null(await client.ReadAsync(ct));
        }
    }

    [Fact]
    public async Task Write_PeerStopsReading_ClosedAfterWriteTimeout()
    {
        var ct = Timeouts.Bounded(30);
        var time = new FakeTimeProvider();

        // Far larger than loopback socket buffers, so the flush blocks while the client reads nothing.
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var huge = new byte[32 * 1024 * 1024];
        "{\"type\":\"big_ok\",\"pad\":\""u8.CopyTo(huge);
        huge.AsSpan(24, huge.Length - 26).Fill((byte)'x');
        "\"}"u8.CopyTo(huge.AsSpan(huge.Length - 2));
        await using var server = Start(
            map: d => d.Map("big", (_, _, _) =>
            {
                entered.TrySetResult();
                return ValueTask.FromResult(Response.FromJson(huge));
            }),
            configure: o => o with { TimeProvider = time, WriteTimeout = TimeSpan.FromSeconds(5) });
        using var client = await server.ConnectAsync(ct);
        await client.SendAsync("{\"type\":\"big\"}", ct);
        await entered.Task.WaitAsync(ct);

        // The deadline is armed when the write starts; advancing until the connection is gone avoids guessing when.
        while (server.Listener.ConnectionCount > 0)
        {
            time.Advance(TimeSpan.FromSeconds(5));
            await Task.Delay(20, ct);
        }

        var text = server.Exporter.Render();
        Assert.True(text.Contains("registry_server_connections_closed_total{reason=\"write_timeout\"} 1", StringComparison.Ordinal), text);
    }

    private TestServer Start(Action<RequestDispatcher>? map = null, Func<TransportOptions, TransportOptions>? configure = null) =>
        TestServer.Start(map, o => (configure?.Invoke(o) ?? o) with { EventLoops = EventLoops });
}

/// <summary>The transport tests against one event loop (docs/adr/0016): the same contract, served without a task per connection.</summary>
public sealed class EventLoopTransportTests : TransportTests
{
    private protected override int EventLoops => 1;
}

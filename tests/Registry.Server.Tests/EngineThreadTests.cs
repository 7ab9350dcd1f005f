using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Registry.Server.Dispatch;
using Registry.Server.Protocol;
using Registry.Server.Transport;

namespace Registry.Server.Tests;

/// <summary>
/// Work that may take long leaves a socket engine thread (where <c>registry serve</c> runs socket continuations)
/// for the thread pool; bounded work stays. A dedicated thread stands in for the engine thread.
/// </summary>
public sealed class EngineThreadTests
{
    private static readonly RequestContext s_context = new(1, new IPEndPoint(IPAddress.Loopback, 1234), DateTimeOffset.UnixEpoch);

    /// <summary>Starts <paramref name="body"/> on a new thread outside the pool and returns its task.</summary>
    private static Task<T> StartOnDedicatedThread<T>(Func<Task<T>> body)
    {
        Task<T>? started = null;
        var thread = new Thread(() => started = body());
        thread.Start();
        thread.Join();
        return started!;
    }

    [Fact]
    public async Task LeaveAsync_OffThePool_ContinuesOnThePool_AndOnThePoolCompletesAtOnce()
    {
        var continuedOnPool = await StartOnDedicatedThread(async () =>
        {
            await EngineThread.LeaveAsync();
            return Thread.CurrentThread.IsThreadPoolThread;
        });
        Assert.True(continuedOnPool);

        var stayedOnPool = await Task.Run(
            async () =>
            {
                var thread = Environment.CurrentManagedThreadId;
                await EngineThread.LeaveAsync();
                return thread == Environment.CurrentManagedThreadId;
            },
            TestContext.Current.CancellationToken);
        Assert.True(stayedOnPool);
    }

    [Fact]
    public async Task DispatchAsync_FromAnEngineThread_RunsBoundedHandlersThere_AndOthersOnThePool()
    {
        var dispatcher = new RequestDispatcher(NullLogger<RequestDispatcher>.Instance);
        var onPool = new Dictionary<string, bool>(StringComparer.Ordinal);
        RequestHandler Recording(string type) => (_, _, _) =>
        {
            lock (onPool)
            {
                onPool[type] = Thread.CurrentThread.IsThreadPoolThread;
            }

            return ValueTask.FromResult(Response.Ok(type + "_ok"));
        };
        dispatcher.Map("lookup", Recording("lookup"), bounded: true).Map("list_nodes", Recording("list_nodes")).Freeze();
        var request = JsonDocument.Parse("{}").RootElement;

        foreach (var type in new[] { "lookup", "list_nodes" })
        {
            var (response, outcome) = await StartOnDedicatedThread(() => dispatcher.DispatchAsync(s_context, type, request, CancellationToken.None).AsTask());
            Assert.Equal(DispatchOutcome.Ok, outcome);
            Assert.False(response.IsError);
        }

        Assert.False(onPool["lookup"]);
        Assert.True(onPool["list_nodes"]);
        Assert.True(dispatcher.IsBounded("lookup"));
        Assert.False(dispatcher.IsBounded("list_nodes"));
    }

    [Theory]
    [InlineData(100, false)]
    [InlineData(20 * 1024, true)]
    public async Task ReadAsync_FromAnEngineThread_ParsesLargeFramesOnThePool(int bodyBytes, bool expectedOnPool)
    {
        var body = Encoding.UTF8.GetBytes("{\"type\":\"x\",\"pad\":\"" + new string('p', bodyBytes - 22) + "\"}");
        var frame = new byte[4 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)body.Length);
        body.CopyTo(frame, 4);
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(frame, TestContext.Current.CancellationToken);
        var reader = new FrameReader(pipe.Reader, 1 << 20);

        var (outcome, onPool) = await StartOnDedicatedThread(async () =>
        {
            var result = await reader.ReadAsync(CancellationToken.None);
            result.Document?.Dispose();
            return (result.Outcome, Thread.CurrentThread.IsThreadPoolThread);
        });

        Assert.Equal(FrameOutcome.Request, outcome);
        Assert.Equal(expectedOnPool, onPool);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public async Task HandshakeStream_ReadsContinueOnThePoolOnlyDuringTheHandshake(bool handshaking, bool expectedOnPool)
    {
        using var inner = new MemoryStream([1, 2, 3]);
        await using var stream = new HandshakeStream(inner) { ResumeOnPool = handshaking };

        var (read, onPool) = await StartOnDedicatedThread(async () =>
        {
            var read = await stream.ReadAsync(new byte[8], CancellationToken.None);
            return (read, Thread.CurrentThread.IsThreadPoolThread);
        });

        Assert.Equal(3, read);
        Assert.Equal(expectedOnPool, onPool);
    }
}

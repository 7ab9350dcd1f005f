using System.Buffers;
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
/// for the thread pool; bounded work stays. A dedicated thread stands in for the engine thread: it starts the work,
/// or completes the read the work waits for, as the engine thread does when data arrives.
/// </summary>
public sealed class EngineThreadTests
{
    private static readonly RequestContext s_context = new(1, new IPEndPoint(IPAddress.Loopback, 1234), DateTimeOffset.UnixEpoch);

    /// <summary>Runs <paramref name="action"/> on a new thread outside the pool and waits for it.</summary>
    private static void OnDedicatedThread(Action action)
    {
        var thread = new Thread(() => action());
        thread.Start();
        thread.Join();
    }

    /// <summary>Starts <paramref name="body"/> on a new thread outside the pool and returns its task.</summary>
    private static Task<T> StartOnDedicatedThread<T>(Func<Task<T>> body)
    {
        Task<T>? started = null;
        OnDedicatedThread(() => started = body());
        return started!;
    }

    [Fact]
    public async Task Leave_OffThePool_ContinuesOnThePool_AndOnThePoolCompletesAtOnce()
    {
        var continuedOnPool = await StartOnDedicatedThread(async () =>
        {
            await EngineThread.Leave();
            return Thread.CurrentThread.IsThreadPoolThread;
        });
        Assert.True(continuedOnPool);

        var stayed = await Task.Run(
            async () =>
            {
                var thread = Environment.CurrentManagedThreadId;
                Assert.True(EngineThread.Leave().GetAwaiter().IsCompleted);
                await EngineThread.Leave();
                return thread == Environment.CurrentManagedThreadId;
            },
            TestContext.Current.CancellationToken);
        Assert.True(stayed);
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
    public async Task ReadAsync_FrameArrivingOnAnEngineThread_IsParsedOnThePoolWhenLarge(int bodyBytes, bool expectedOnPool)
    {
        var body = Encoding.UTF8.GetBytes("{\"type\":\"x\",\"pad\":\"" + new string('p', bodyBytes - 22) + "\"}");
        var frame = new byte[4 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)body.Length);
        body.CopyTo(frame, 4);

        // The reader waits first; the bytes then arrive on the "engine thread", which runs the reader's continuation.
        var pipe = new Pipe(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false));
        var reader = new FrameReader(pipe.Reader, 1 << 20);
        var read = ReadAndReportThreadAsync(reader);
        Assert.False(read.IsCompleted);
        OnDedicatedThread(() =>
        {
            pipe.Writer.Write(frame);
            _ = pipe.Writer.FlushAsync().AsTask();
        });

        var (outcome, onPool) = await read.WaitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(FrameOutcome.Request, outcome);
        Assert.Equal(expectedOnPool, onPool);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public async Task HandshakeStream_ReadsArrivingOnAnEngineThread_ContinueOnThePoolOnlyDuringTheHandshake(bool handshaking, bool expectedOnPool)
    {
        var inner = new Pipe(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false));
        await using var stream = new HandshakeStream(inner.Reader.AsStream()) { ResumeOnPool = handshaking };

        // The caller (SslStream in production) waits for a read; the bytes arrive on the "engine thread".
        var read = ReadAndReportThreadAsync(stream);
        Assert.False(read.IsCompleted);
        OnDedicatedThread(() =>
        {
            inner.Writer.Write((byte[])[1, 2, 3]);
            _ = inner.Writer.FlushAsync().AsTask();
        });

        var (count, onPool) = await read.WaitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(3, count);
        Assert.Equal(expectedOnPool, onPool);
    }

    [Fact]
    public async Task HandshakeStream_AReadWhoseBytesAreAlreadyThere_StillContinuesOnThePool()
    {
        var inner = new Pipe(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false));
        inner.Writer.Write((byte[])[1, 2, 3]);
        await inner.Writer.FlushAsync(TestContext.Current.CancellationToken);
        await using var stream = new HandshakeStream(inner.Reader.AsStream());

        var (count, onPool) = await StartOnDedicatedThread(async () =>
        {
            var pending = stream.ReadAsync(new byte[8], CancellationToken.None);

            // However long the caller takes to await, the read must not have completed where the caller still is.
            SpinWait.SpinUntil(() => pending.IsCompleted, TimeSpan.FromMilliseconds(200));
            var read = await pending;
            return (read, Thread.CurrentThread.IsThreadPoolThread);
        }).WaitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(3, count);
        Assert.True(onPool);
    }

    private static async Task<(FrameOutcome Outcome, bool OnPool)> ReadAndReportThreadAsync(FrameReader reader)
    {
        var result = await reader.ReadAsync(CancellationToken.None);
        result.Document?.Dispose();
        return (result.Outcome, Thread.CurrentThread.IsThreadPoolThread);
    }

    private static async Task<(int Count, bool OnPool)> ReadAndReportThreadAsync(Stream stream)
    {
        var count = await stream.ReadAsync(new byte[8], CancellationToken.None);
        return (count, Thread.CurrentThread.IsThreadPoolThread);
    }
}

using System.IO.Pipelines;
using Registry.Server.Protocol;

namespace Registry.Server.Tests;

public sealed class FrameReaderTests
{
    private static async Task<FrameReadResult> ReadOneAsync(byte[] bytes, bool complete, int max = 1024)
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(bytes, TestContext.Current.CancellationToken);
        if (complete)
        {
            await pipe.Writer.CompleteAsync();
        }

        return await new FrameReader(pipe.Reader, max).ReadAsync(Timeouts.Bounded());
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 0 }, FrameOutcome.EmptyFrame)]
    [InlineData(new byte[] { 0, 0, 4, 1 }, FrameOutcome.Oversize)]
    [InlineData(new byte[] { 0, 0, 0, 9, (byte)'{' }, FrameOutcome.Truncated)]
    [InlineData(new byte[] { 0, 0 }, FrameOutcome.Truncated)]
    [InlineData(new byte[] { }, FrameOutcome.EndOfStream)]
    [InlineData(new byte[] { 0, 0, 0, 2, (byte)'{', (byte)'x' }, FrameOutcome.InvalidJson)]
    [InlineData(new byte[] { 0, 0, 0, 2, (byte)'[', (byte)']' }, FrameOutcome.NotAnObject)]
    [InlineData(new byte[] { 0, 0, 0, 2, (byte)'{', (byte)'}' }, FrameOutcome.Request)]
    [InlineData(new byte[] { 0, 0, 0, 3, (byte)'"', 0xC3, (byte)'"' }, FrameOutcome.NotAnObject)]
    public async Task ReadAsync_Input_TypedOutcome(byte[] bytes, FrameOutcome expected)
    {
        var result = await ReadOneAsync(bytes, complete: true);

        Assert.Equal(expected, result.Outcome);
        result.Document?.Dispose();
    }

    [Fact]
    public async Task ReadAsync_OversizePrefix_DecidedBeforeBodyArrives()
    {
        // Only the prefix is written and the stream stays open: the reader must not wait for (or buffer) a huge body.
        var result = await ReadOneAsync([0xFF, 0xFF, 0xFF, 0xFF], complete: false);

        Assert.Equal(FrameOutcome.Oversize, result.Outcome);
    }

    [Fact]
    public async Task ReadAsync_TwoFramesInOneBuffer_ReadsBoth()
    {
        var pipe = new Pipe();
        byte[] both = [.. WireClient.Frame("{\"type\":\"a\"}"), .. WireClient.Frame("{\"type\":\"b\"}")];
        await pipe.Writer.WriteAsync(both, TestContext.Current.CancellationToken);
        await pipe.Writer.CompleteAsync();
        var reader = new FrameReader(pipe.Reader, 1024);

        // Each document is used and disposed before the next read, which releases its bytes (the reader's contract).
        foreach (var expected in new[] { "a", "b" })
        {
            using var document = (await reader.ReadAsync(Timeouts.Bounded())).Document!;
            Assert.Equal(expected, RequestFields.GetRequestType(document.RootElement));
        }

        Assert.Equal(FrameOutcome.EndOfStream, (await reader.ReadAsync(Timeouts.Bounded())).Outcome);
    }

    private static readonly ReadOnlyMemory<byte> Prefix = "{\"big\":"u8.ToArray();

    private static async Task<FrameReader> ReaderOverAsync(byte[] bytes, bool complete, int max = 1024)
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(bytes, TestContext.Current.CancellationToken);
        if (complete)
        {
            await pipe.Writer.CompleteAsync();
        }

        return new FrameReader(pipe.Reader, max);
    }

    [Fact]
    public async Task TryTakeFrameStartingWith_AMatchingFrame_GivesItsRestAsAStreamAndTheNextFrameReadsAsUsual()
    {
        var body = "{\"big\":[1,2,3],\"type\":\"x\"}";
        var reader = await ReaderOverAsync([.. WireClient.Frame(body), .. WireClient.Frame("{\"type\":\"next\"}")], complete: true);

        var rest = await reader.TryTakeFrameStartingWithAsync(Prefix, minBodyBytes: 10, Timeouts.Bounded());

        Assert.Equal(body.Length - Prefix.Length, rest);
        using (var stream = reader.OpenBody(rest!.Value, Timeouts.Bounded()))
        {
            Assert.Equal(body[Prefix.Length..], new StreamReader(stream).ReadToEnd());
        }

        using var next = (await reader.ReadAsync(Timeouts.Bounded())).Document!;
        Assert.Equal("next", RequestFields.GetRequestType(next.RootElement));
    }

    [Theory]
    [InlineData("{\"type\":\"x\",\"big\":1}", 4, 1024, FrameOutcome.Request)]
    [InlineData("{\"big\":1}", 100, 1024, FrameOutcome.Request)]
    [InlineData("{\"big\":[1,2,3,4,5,6,7,8,9]}", 4, 16, FrameOutcome.Oversize)]
    [InlineData("{\"bi", 0, 1024, FrameOutcome.InvalidJson)]
    public async Task TryTakeFrameStartingWith_AnyOtherFrame_TakesNothingAndReadAsyncGetsItWhole(string body, int minBodyBytes, int max, FrameOutcome expected)
    {
        // Another start, shorter than asked, over the limit, or shorter than the prefix itself.
        var reader = await ReaderOverAsync(WireClient.Frame(body), complete: true, max);

        Assert.Null(await reader.TryTakeFrameStartingWithAsync(Prefix, minBodyBytes, Timeouts.Bounded()));

        var frame = await reader.ReadAsync(Timeouts.Bounded());
        Assert.Equal(expected, frame.Outcome);
        frame.Document?.Dispose();
    }

    [Theory]
    [InlineData(0, FrameOutcome.EndOfStream)]
    [InlineData(3, FrameOutcome.Truncated)]
    [InlineData(9, FrameOutcome.Truncated)]
    public async Task TryTakeFrameStartingWith_TheInputEndingFirst_TakesNothingAndReadAsyncSaysHow(int bytes, FrameOutcome expected)
    {
        var reader = await ReaderOverAsync(WireClient.Frame("{\"big\":[1,2,3]}")[..bytes], complete: true);

        Assert.Null(await reader.TryTakeFrameStartingWithAsync(Prefix, minBodyBytes: 0, Timeouts.Bounded()));

        Assert.Equal(expected, (await reader.ReadAsync(Timeouts.Bounded())).Outcome);
    }

    [Fact]
    public async Task OpenBody_AsBytesArrive_ReadsThemAndReportsProgress_AndTheInputEndingEarlyIsAnError()
    {
        var ct = Timeouts.Bounded();
        var pipe = new Pipe();
        var reader = new FrameReader(pipe.Reader, 1024);
        var progress = 0;
        reader.Progress = () => progress++;
        await pipe.Writer.WriteAsync(WireClient.Frame("{\"big\":\"abcdefgh\"}").AsMemory(0, 12), ct);

        var rest = await reader.TryTakeFrameStartingWithAsync(Prefix, minBodyBytes: 0, ct);
        Assert.Equal(11, rest);

        using var stream = reader.OpenBody(rest!.Value, ct);
        var buffer = new byte[64];
        Assert.Equal(1, stream.Read(buffer));
        Assert.Equal((byte)'"', buffer[0]);
        Assert.Equal(1, progress);

        // The next read waits for bytes the peer has not sent yet; the input then ends three bytes short.
        var reading = Task.Run(() => stream.Read(buffer), ct);
        await pipe.Writer.WriteAsync("abcdefg"u8.ToArray(), ct);
        Assert.Equal(7, await reading.WaitAsync(ct));
        Assert.Equal(2, progress);
        await pipe.Writer.CompleteAsync();
        var error = Assert.Throws<IOException>(() => stream.Read(buffer));
        Assert.Contains("3 bytes before the end of the frame", error.Message, StringComparison.Ordinal);
    }
}

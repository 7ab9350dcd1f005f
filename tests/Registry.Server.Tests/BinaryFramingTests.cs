using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using Registry.Server.Protocol;

namespace Registry.Server.Tests;

/// <summary>The binary protocol's framing (§1.3): preamble detection, binary frames, and the replies' encodings.</summary>
public sealed class BinaryFramingTests
{
    private static async Task<(FrameReader Reader, Pipe Pipe)> FeedAsync(byte[] bytes, bool complete)
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(bytes, TestContext.Current.CancellationToken);
        if (complete)
        {
            await pipe.Writer.CompleteAsync();
        }

        return (new FrameReader(pipe.Reader, 1024), pipe);
    }

    [Theory]
    [InlineData(new byte[] { (byte)'P', (byte)'I', (byte)'L', (byte)'T', 1 }, PreambleKind.Binary, 1)]
    [InlineData(new byte[] { (byte)'P', (byte)'I', (byte)'L', (byte)'T', 7 }, PreambleKind.Binary, 7)]
    [InlineData(new byte[] { (byte)'P', (byte)'I', (byte)'L', (byte)'T' }, PreambleKind.Truncated, 0)]
    [InlineData(new byte[] { (byte)'P', (byte)'I' }, PreambleKind.Truncated, 0)]
    [InlineData(new byte[] { }, PreambleKind.EndOfStream, 0)]
    [InlineData(new byte[] { 0, 0, 0, 2, (byte)'{', (byte)'}' }, PreambleKind.Json, 0)]
    [InlineData(new byte[] { (byte)'P', (byte)'I', (byte)'L', (byte)'X' }, PreambleKind.Json, 0)]
    public async Task DetectAsync_FirstBytes_ChooseTheProtocol(byte[] bytes, PreambleKind kind, byte version)
    {
        var (reader, _) = await FeedAsync(bytes, complete: true);

        var preamble = await reader.DetectAsync(Timeouts.Bounded());

        Assert.Equal(new ProtocolPreamble(kind, version), preamble);
    }

    [Fact]
    public async Task DetectAsync_Json_LeavesTheFrameForTheReader()
    {
        var (reader, _) = await FeedAsync(WireClient.Frame("{\"type\":\"lookup\"}"), complete: true);

        Assert.Equal(PreambleKind.Json, (await reader.DetectAsync(Timeouts.Bounded())).Kind);
        var frame = await reader.ReadAsync(Timeouts.Bounded());

        Assert.Equal(FrameOutcome.Request, frame.Outcome);
        Assert.Equal("lookup", frame.Document!.RootElement.GetProperty("type").GetString());
        frame.Document.Dispose();
    }

    [Fact]
    public async Task DetectAsync_PreambleInPieces_WaitsForTheWholeOfIt()
    {
        var pipe = new Pipe();
        var reader = new FrameReader(pipe.Reader, 1024);
        var ct = Timeouts.Bounded();
        var detect = reader.DetectAsync(ct).AsTask();
        await pipe.Writer.WriteAsync("PI"u8.ToArray(), ct);
        await pipe.Writer.WriteAsync("LT"u8.ToArray(), ct);
        Assert.False(detect.IsCompleted);

        await pipe.Writer.WriteAsync(new byte[] { 1, 0, 0, 0, 5, BinaryWire.Lookup, 0, 0, 0, 9 }, ct);

        Assert.Equal(ProtocolPreamble.Binary(1), await detect);
        var frame = await reader.ReadBinaryAsync(ct);
        Assert.Equal(BinaryWire.Lookup, frame.MessageType);
        Assert.Equal(new byte[] { 0, 0, 0, 9 }, frame.Payload.ToArray());
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 0 }, FrameOutcome.EmptyFrame)]
    [InlineData(new byte[] { 0, 0, 4, 1 }, FrameOutcome.Oversize)]
    [InlineData(new byte[] { 0, 0, 0, 5, 2, 0 }, FrameOutcome.Truncated)]
    [InlineData(new byte[] { 0, 0, 0, 3, 0, (byte)'{', (byte)'x' }, FrameOutcome.InvalidJson)]
    [InlineData(new byte[] { 0, 0, 0, 3, 0, (byte)'[', (byte)']' }, FrameOutcome.NotAnObject)]
    [InlineData(new byte[] { 0, 0, 0, 1, 0x42 }, FrameOutcome.Request)]
    public async Task ReadBinaryAsync_Input_TypedOutcome(byte[] bytes, FrameOutcome expected)
    {
        var (reader, _) = await FeedAsync(bytes, complete: true);

        var frame = await reader.ReadBinaryAsync(Timeouts.Bounded());

        Assert.Equal(expected, frame.Outcome);
    }

    [Fact]
    public async Task ReadBinaryAsync_JsonFrame_IsParsedLikeAJsonProtocolFrame()
    {
        var json = Encoding.UTF8.GetBytes("{\"type\":\"list_networks\"}");
        var bytes = new byte[5 + json.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)(1 + json.Length));
        json.CopyTo(bytes, 5);
        var (reader, _) = await FeedAsync(bytes, complete: true);

        var frame = await reader.ReadBinaryAsync(Timeouts.Bounded());

        Assert.Equal(BinaryWire.Json, frame.MessageType);
        Assert.Equal("list_networks", frame.Document!.RootElement.GetProperty("type").GetString());
        frame.Document.Dispose();
    }

    [Fact]
    public async Task ReadBinaryAsync_PayloadSplitAcrossWrites_ArrivesWhole()
    {
        var pipe = new Pipe(new PipeOptions(minimumSegmentSize: 16));
        var reader = new FrameReader(pipe.Reader, 1024);
        var ct = Timeouts.Bounded();
        var payload = Enumerable.Range(0, 72).Select(i => (byte)i).ToArray();
        var frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)(1 + payload.Length));
        frame[4] = BinaryWire.Resolve;
        payload.CopyTo(frame, 5);
        var read = reader.ReadBinaryAsync(ct).AsTask();
        foreach (var chunk in frame.Chunk(7))
        {
            await pipe.Writer.WriteAsync(chunk, ct);
        }

        var result = await read;

        Assert.Equal(BinaryWire.Resolve, result.MessageType);
        Assert.Equal(payload, result.Payload.ToArray());
    }

    [Fact]
    public async Task WriteBinaryAsync_EncodesReplies_ErrorsUnsanitizedExceptInsideJson()
    {
        var pipe = new Pipe();
        var writer = new FrameWriter(pipe.Writer);
        var ct = Timeouts.Bounded();

        await writer.WriteBinaryAsync(Response.BuildBinary(0x82, 7u, static (w, s) => w.U32(s)), jsonPassthrough: false, ct);
        await writer.WriteBinaryAsync(Response.Failure("node 5: key expired at x"), jsonPassthrough: false, ct);
        await writer.WriteBinaryAsync(Response.Failure("unknown message type: \"x\""), jsonPassthrough: true, ct);
        await writer.WriteBinaryAsync(Response.FromJson("{\"type\":\"t_ok\"}"u8.ToArray()), jsonPassthrough: true, ct);
        await pipe.Writer.CompleteAsync();
        var bytes = await ReadAllAsync(pipe.Reader, ct);

        var frames = SplitFrames(bytes);
        Assert.Equal(new byte[] { 0x82, 0, 0, 0, 7 }, frames[0]);
        Assert.Equal(BinaryWire.Error, frames[1][0]);
        Assert.Equal("node 5: key expired at x".Length, BinaryPrimitives.ReadUInt16BigEndian(frames[1].AsSpan(1)));
        Assert.Equal("node 5: key expired at x", Encoding.UTF8.GetString(frames[1].AsSpan(3)));
        Assert.Equal(BinaryWire.Json, frames[2][0]);
        Assert.Equal("{\"error\":\"request failed\",\"type\":\"error\"}", Encoding.UTF8.GetString(frames[2].AsSpan(1)));
        Assert.Equal("{\"type\":\"t_ok\"}", Encoding.UTF8.GetString(frames[3].AsSpan(1)));
    }

    [Fact]
    public void PayloadWriter_LengthPrefixes_RefuseValuesTheyCannotCount()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new BinaryPayloadWriter(buffer);

        writer.String8("héllo");
        writer.String16(string.Empty);

        Assert.Equal(new byte[] { 6, (byte)'h', 0xC3, 0xA9, (byte)'l', (byte)'l', (byte)'o', 0, 0 }, buffer.WrittenSpan.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.String8(new string('x', 256)));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Bytes8(new byte[256]));
        Assert.Equal(9, buffer.WrittenCount);
    }

    private static async Task<byte[]> ReadAllAsync(PipeReader reader, CancellationToken ct)
    {
        using var all = new MemoryStream();
        await reader.CopyToAsync(all, ct);
        return all.ToArray();
    }

    private static List<byte[]> SplitFrames(byte[] bytes)
    {
        var frames = new List<byte[]>();
        for (var offset = 0; offset < bytes.Length;)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(offset));
            frames.Add(bytes.AsSpan(offset + 4, length).ToArray());
            offset += 4 + length;
        }

        return frames;
    }
}

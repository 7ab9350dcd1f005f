using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using Registry.Server.Protocol;

namespace Registry.Server.Tests;

public sealed class FrameWriterTests
{
    private static async Task<string> WriteOneAsync(Response response)
    {
        var pipe = new Pipe();
        await new FrameWriter(pipe.Writer).WriteAsync(response, TestContext.Current.CancellationToken);
        await pipe.Writer.CompleteAsync();
        var read = await pipe.Reader.ReadAsync(TestContext.Current.CancellationToken);
        var bytes = read.Buffer.ToArray();
        Assert.Equal((uint)(bytes.Length - 4), BinaryPrimitives.ReadUInt32BigEndian(bytes));
        return Encoding.UTF8.GetString(bytes, 4, bytes.Length - 4);
    }

    [Fact]
    public async Task WriteAsync_ErrorWithQuotesAndHtml_GoEscaping()
    {
        var text = await WriteOneAsync(Response.Failure("hostname \"a<b>&c\" is reserved: invalid é"));

        Assert.Equal("{\"error\":\"hostname \\\"a\\u003cb\\u003e\\u0026c\\\" is reserved: invalid é\",\"type\":\"error\"}", text);
    }

    [Fact]
    public async Task WriteAsync_UnlistedError_RequestFailed()
    {
        Assert.Equal("{\"error\":\"request failed\",\"type\":\"error\"}", await WriteOneAsync(Response.Failure("registry full")));
    }

    [Fact]
    public async Task WriteAsync_Build_TypeLastAndValidJson()
    {
        var text = await WriteOneAsync(Response.Build("heartbeat_ok", 1700000000L, static (w, t) => w.WriteNumber("time", t)));

        Assert.Equal("{\"time\":1700000000,\"type\":\"heartbeat_ok\"}", text);
    }

    [Fact]
    public void Build_AfterABuildWhoseFieldsThrew_NextBodiesAreWholeAndIndependent()
    {
        // The JSON writer is reused per thread: a reply abandoned half-written must not leak into the next one.
        Assert.Throws<InvalidOperationException>(() => Response.Build("x_ok", 0, static (w, _) =>
        {
            w.WriteStartArray("partial");
            w.WriteNumberValue(1);
            throw new InvalidOperationException("handler bug");
        }));

        var first = Response.Build("a_ok", 1, static (w, n) => w.WriteNumber("n", n));
        var second = Response.Build("b_ok", "two", static (w, s) => w.WriteString("s", s));

        Assert.Equal("{\"n\":1,\"type\":\"a_ok\"}", first.ToString());
        Assert.Equal("{\"s\":\"two\",\"type\":\"b_ok\"}", second.ToString());
    }

    [Fact]
    public async Task WriteAsync_BuildGo_TypeSortedAmongMembers()
    {
        var text = await WriteOneAsync(Response.BuildGo(
            "set_visibility_ok",
            (Id: 7u, Public: true),
            static (w, s) =>
            {
                w.WritePropertyName("node_id");
                w.WriteNumberValue(s.Id);
            },
            static (w, s) =>
            {
                w.WritePropertyName("visibility");
                w.WriteStringValue(s.Public ? "public" : "private");
            }));

        Assert.Equal("{\"node_id\":7,\"type\":\"set_visibility_ok\",\"visibility\":\"public\"}", text);
    }

    [Fact]
    public async Task WriteInPiecesAsync_CopiesIntoBuffersLargerThanAConnectionsDefault()
    {
        var ct = TestContext.Current.CancellationToken;
        var pool = new CountingPool();
        using var sink = new MemoryStream();
        var output = PipeWriter.Create(sink, new StreamPipeWriterOptions(pool, minimumBufferSize: 4096, leaveOpen: true));
        var body = new byte[(3 << 20) + 5];
        new Random(3).NextBytes(body);

        await new FrameWriter(output).WriteInPiecesAsync(body.Length, PipeReader.Create(new ReadOnlySequence<byte>(body)), 1 << 20, static () => { }, ct);

        // Sixteen buffers of 64 KiB a mebibyte (and one for the header and the last bytes), not 256 of the 4 KiB a
        // connection's writer hands out unless asked for more: that many outran the shared pool and were garbage.
        Assert.InRange(pool.Rents, 4, (4 * 17) + 2);
        var written = sink.ToArray();
        Assert.Equal((uint)body.Length, BinaryPrimitives.ReadUInt32BigEndian(written));
        Assert.True(written.AsSpan(4).SequenceEqual(body));
    }

    [Fact]
    public async Task WriteInPiecesAsync_ABodyReadInSmallParts_StillCopiesIntoLargeBuffers()
    {
        var ct = TestContext.Current.CancellationToken;
        var pool = new CountingPool();
        using var sink = new MemoryStream();
        var output = PipeWriter.Create(sink, new StreamPipeWriterOptions(pool, minimumBufferSize: 4096, leaveOpen: true));
        var body = new byte[(2 << 20) + 3];
        new Random(4).NextBytes(body);

        // A pipe of 4 KiB segments, written a little at a time: the frame writer reads it in parts of a few KiB.
        var pipe = new Pipe(new PipeOptions(minimumSegmentSize: 4096, useSynchronizationContext: false));
        var writing = Task.Run(async () =>
        {
            for (var at = 0; at < body.Length; at += 1000)
            {
                await pipe.Writer.WriteAsync(body.AsMemory(at, Math.Min(1000, body.Length - at)), ct);
            }

            await pipe.Writer.CompleteAsync();
        }, ct);

        await new FrameWriter(output).WriteInPiecesAsync(body.Length, pipe.Reader, 1 << 20, static () => { }, ct);
        await writing;

        Assert.InRange(pool.Rents, 3, (3 * 17) + 2);
        Assert.True(sink.ToArray().AsSpan(4).SequenceEqual(body));
    }

    /// <summary>The shared pool, counting what is rented from it.</summary>
    private sealed class CountingPool : MemoryPool<byte>
    {
        public int Rents { get; private set; }

        public override int MaxBufferSize => Shared.MaxBufferSize;

        public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
        {
            Rents++;
            return Shared.Rent(minBufferSize);
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}

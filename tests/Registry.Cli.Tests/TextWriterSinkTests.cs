using System.Text;

namespace Registry.Cli.Tests;

public sealed class TextWriterSinkTests
{
    [Fact]
    public void Sink_TextLargerThanAChunk_ArrivesWhole_EvenWhereAChunkSplitsACharacter()
    {
        // Two-, three- and four-byte sequences everywhere, so chunk boundaries fall inside many of them.
        var text = string.Concat(Enumerable.Range(0, 400_000).Select(i => (i % 4) switch { 0 => "a", 1 => "é", 2 => "€", _ => "😀" }));
        var bytes = Encoding.UTF8.GetBytes(text);
        using var output = new StringWriter();
        var sink = new TextWriterSink(output);
        var random = new Random(11);
        for (var at = 0; at < bytes.Length;)
        {
            var span = sink.GetSpan(random.Next(1, 9_000));
            var count = Math.Min(random.Next(1, Math.Min(span.Length, 5_000) + 1), bytes.Length - at);
            bytes.AsSpan(at, count).CopyTo(span);
            sink.Advance(count);
            at += count;
        }

        sink.Flush();

        Assert.Equal(text, output.ToString());
    }

    [Fact]
    public void Sink_AskedForMoreThanAChunk_HandsOutThatMuch()
    {
        using var output = new StringWriter();
        var sink = new TextWriterSink(output);
        var span = sink.GetSpan(200_000);
        span[..200_000].Fill((byte)'x');
        sink.Advance(200_000);
        sink.Flush();

        Assert.Equal(new string('x', 200_000), output.ToString());
    }
}

using System.Buffers;
using System.Text;
using Registry.Persistence.Json;

namespace Registry.Persistence.Tests.Json;

public class GoJsonWriterTests
{
    [Theory]
    [InlineData("plain ascii / ' + ` \u007f", "\"plain ascii / ' + ` \u007f\"")]
    [InlineData("q\"b\\", "\"q\\\"b\\\\\"")]
    [InlineData("\n\r\t", "\"\\n\\r\\t\"")]
    [InlineData("\b\f", "\"\\b\\f\"")]
    [InlineData("\u0000\u0001\u001f", "\"\\u0000\\u0001\\u001f\"")]
    [InlineData("<>&", "\"\\u003c\\u003e\\u0026\"")]
    [InlineData("a\u2028b\u2029c", "\"a\\u2028b\\u2029c\"")]
    [InlineData("é日本🚀", "\"é日本🚀\"")]
    [InlineData("", "\"\"")]
    public void WriteStringValue_String_EscapesLikeGo(string input, string expected)
    {
        Assert.Equal(expected, Write(w => w.WriteStringValue(input)));
    }

    [Fact]
    public void WriteStringValue_LoneSurrogate_WritesReplacementEscape()
    {
        // Not a theory row: theory data is serialised as UTF-8, which would replace the lone surrogate first.
        var input = "lone" + (char)0xD800 + "x" + (char)0xDC00;

        Assert.Equal("\"lone\\ufffdx\\ufffd\"", Write(w => w.WriteStringValue(input)));
    }

    [Fact]
    public void WriteStringValue_InvalidUtf8_OneReplacementEscapePerBadByte()
    {
        byte[] input = [(byte)'a', 0xff, 0xfe, (byte)'b', 0xe2, 0x80, 0xa8, 0xc3, 0xa9, 0xe2, 0x82];

        var text = Write(w => w.WriteStringValue(input));

        Assert.Equal("\"a\\ufffd\\ufffdb\\u2028é\\ufffd\\ufffd\"", text);
    }

    [Fact]
    public void WriteStringValue_Null_WritesNull()
    {
        Assert.Equal("null", Write(w => w.WriteStringValue((string?)null)));
    }

    [Fact]
    public void Writer_ObjectsAndArrays_InsertsSeparatorsWithoutWhitespace()
    {
        var text = Write(w =>
        {
            w.WriteStartObject();
            w.WritePropertyName("a<");
            w.WriteNumberValue(-5L);
            w.WritePropertyName("b"u8);
            w.WriteStartArray();
            w.WriteNumberValue(ulong.MaxValue);
            w.WriteBooleanValue(true);
            w.WriteBooleanValue(false);
            w.WriteNullValue();
            w.WriteStartObject();
            w.WriteEndObject();
            w.WriteStartArray();
            w.WriteEndArray();
            w.WriteEndArray();
            w.WritePropertyName("c");
            w.WriteStringValue("x");
            w.WriteEndObject();
        });

        Assert.Equal("{\"a\\u003c\":-5,\"b\":[18446744073709551615,true,false,null,{},[]],\"c\":\"x\"}", text);
    }

    [Fact]
    public void WriteRawCompacted_IndentedValue_CompactsAndEscapesLikeGoRawMessage()
    {
        var raw = "{\n  \"name\" : \"ssh <only> & web\",\n  \"note\": \"x\u2028y\",\n  \"keep\": \"\\u003C \\/ \\u00e9\",\n  \"n\": [ 1 , 2 ]\n}"u8.ToArray();

        var text = Write(w => w.WriteRawCompacted(raw));

        Assert.Equal("{\"name\":\"ssh \\u003conly\\u003e \\u0026 web\",\"note\":\"x\\u2028y\",\"keep\":\"\\u003C \\/ \\u00e9\",\"n\":[1,2]}", text);
    }

    [Fact]
    public void WriteRawCompacted_EscapedQuoteInString_KeepsStringIntact()
    {
        Assert.Equal("[\"a \\\" b\",\"c\"]", Write(w => w.WriteRawCompacted("[ \"a \\\" b\" , \"c\" ]"u8)));
    }

    [Fact]
    public void WriteRawCompacted_NullLiteral_WritesNull()
    {
        Assert.Equal("null", Write(w => w.WriteRawCompacted("null"u8)));
    }

    [Theory]
    [InlineData("{\"a\":")]
    [InlineData("")]
    [InlineData("{} {}")]
    [InlineData("{'a':1}")]
    public void WriteRawCompacted_InvalidJson_Throws(string raw)
    {
        Assert.Throws<GoJsonException>(() => Write(w => w.WriteRawCompacted(Encoding.UTF8.GetBytes(raw))));
    }

    [Fact]
    public void Flush_LongOutputAcrossManyChunks_CommitsEverything()
    {
        var buffer = new ArrayBufferWriter<byte>(16);
        var writer = new GoJsonWriter(buffer);
        var big = new string('é', 10_000);

        writer.WriteStartArray();
        for (var i = 0; i < 50; i++)
        {
            writer.WriteStringValue(big);
        }

        writer.WriteEndArray();
        writer.Flush();

        Assert.Equal(buffer.WrittenCount, writer.BytesCommitted);
        Assert.Equal(0, writer.BytesPending);
        Assert.Equal(2 + (50 * (20_000 + 2)) + 49, buffer.WrittenCount);
    }

    private static string Write(Action<GoJsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new GoJsonWriter(buffer);
        write(writer);
        writer.Flush();
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}

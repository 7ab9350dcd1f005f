using System.Buffers;
using System.Text;
using Registry.Persistence.Deltas;
using Registry.Persistence.Wal.Legacy;

namespace Registry.Persistence.Tests.Legacy;

public class GoEnvelopeTests
{
    [Fact]
    public void TryDecode_EveryBasicRecord_ReencodesByteExactly()
    {
        var expected = ExpectedWal.For("wal-basic.wal");
        Assert.Equal(30, expected.Entries.Count);
        foreach (var e in expected.Entries)
        {
            Assert.True(GoEnvelope.TryDecode(e.RecordJson, out var entry, out var error), error);
            AssertEntry(e, entry);
            var buffer = new ArrayBufferWriter<byte>();
            GoEnvelope.Encode(entry, buffer);
            Assert.Equal(Encoding.UTF8.GetString(e.RecordJson), Encoding.UTF8.GetString(buffer.WrittenSpan));
        }
    }

    [Fact]
    public void TryDecode_EdgeCaseDeliveredBodies_MatchExpectedFields()
    {
        var expected = ExpectedWal.For("wal-edge-cases.wal");
        Assert.Equal(7, expected.Entries.Count);
        foreach (var e in expected.Entries)
        {
            Assert.True(GoEnvelope.TryDecode(e.RecordJson, out var entry, out var error), error);
            AssertEntry(e, entry);
        }
    }

    [Fact]
    public void TryDecode_EdgeCaseSkippedBodies_AreRejected()
    {
        var expected = ExpectedWal.For("wal-edge-cases.wal");
        var file = File.ReadAllBytes(Fixtures.Go("wal-edge-cases.wal"));
        Assert.Equal(8, expected.Skipped.Count);
        foreach (var (offset, length) in expected.Skipped)
        {
            var body = file.AsSpan((int)offset + 4, length);
            Assert.False(GoEnvelope.TryDecode(body, out var entry, out var error), Encoding.UTF8.GetString(body));
            Assert.False(string.IsNullOrEmpty(error));
            Assert.Equal(default(DeltaType), entry.Type);
        }
    }

    [Theory]
    [InlineData("null", 0UL, 0, 0U, null)]
    [InlineData(" \t\r\n{\"seq_no\":1}\n ", 1UL, 0, 0U, null)]
    [InlineData("{\"SEQ_NO\":2,\"TYPE\":3,\"NODE_ID\":4,\"DATA\":{}}", 2UL, 3, 4U, "{}")]
    [InlineData("{\"\\u017feq_no\":5}", 5UL, 0, 0U, null)]
    [InlineData("{\"\u017Feq_no\":5}", 5UL, 0, 0U, null)]
    [InlineData("{\"node_\u0130d\":6,\"node_\u0131d\":7}", 0UL, 0, 7U, null)]
    [InlineData("{\"\\u0074ype\":8}", 0UL, 8, 0U, null)]
    [InlineData("{\"type\":5,\"type\":null}", 0UL, 5, 0U, null)]
    [InlineData("{\"data\":{\"a\":1},\"data\":null}", 0UL, 0, 0U, "null")]
    [InlineData("{\"data\":\"text\"}", 0UL, 0, 0U, "\"text\"")]
    [InlineData("{\"data\":-12.5e3 }", 0UL, 0, 0U, "-12.5e3")]
    [InlineData("{\"data\":true}", 0UL, 0, 0U, "true")]
    [InlineData("{\"data\": [ 1 , {\"x\" : [ ] } ] , \"type\":1}", 0UL, 1, 0U, "[ 1 , {\"x\" : [ ] } ]")]
    [InlineData("{\"seq_no\":18446744073709551615,\"type\":255,\"node_id\":4294967295}", ulong.MaxValue, 255, uint.MaxValue, null)]
    [InlineData("{\"unknown\":{\"type\":9},\"type\":1}", 0UL, 1, 0U, null)]
    [InlineData("{\"data\":\"\\ud800 lone surrogate\"}", 0UL, 0, 0U, "\"\\ud800 lone surrogate\"")]
    [InlineData("{\"seq_no\":0,\"type\":0}", 0UL, 0, 0U, null)]
    public void TryDecode_GoAcceptedBody_DecodesFields(string body, ulong seqNo, byte type, uint nodeId, string? data)
    {
        Assert.True(GoEnvelope.TryDecode(Encoding.UTF8.GetBytes(body), out var entry, out var error), error);
        Assert.Null(error);
        Assert.Equal(seqNo, entry.SeqNo);
        Assert.Equal((DeltaType)type, entry.Type);
        Assert.Equal(nodeId, entry.NodeId);
        Assert.Equal(data ?? string.Empty, Encoding.UTF8.GetString(entry.Data.Span));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\uFEFF{\"type\":1}")]
    [InlineData("{\"type\":1}x")]
    [InlineData("{\"type\":1}{}")]
    [InlineData("{\"type\":1,}")]
    [InlineData("{\"type\":1")]
    [InlineData("[1]")]
    [InlineData("\"text\"")]
    [InlineData("42")]
    [InlineData("true")]
    [InlineData("{\"type\":256}")]
    [InlineData("{\"type\":-1}")]
    [InlineData("{\"type\":-0}")]
    [InlineData("{\"type\":1.0}")]
    [InlineData("{\"type\":1e0}")]
    [InlineData("{\"type\":\"1\"}")]
    [InlineData("{\"type\":true}")]
    [InlineData("{\"type\":{}}")]
    [InlineData("{\"seq_no\":18446744073709551616}")]
    [InlineData("{\"node_id\":4294967296}")]
    [InlineData("{\"Type\":[1]}")]
    [InlineData("{\"type\":1 /* comment */}")]
    [InlineData("{'type':1}")]
    [InlineData("{\"data\":01}")]
    public void TryDecode_GoRejectedBody_ReturnsFalseWithReason(string body)
    {
        Assert.False(GoEnvelope.TryDecode(Encoding.UTF8.GetBytes(body), out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void TryDecode_TypeErrorBeforeSyntaxError_ReportsSyntaxError()
    {
        // Go validates the whole body before decoding, so the syntax error is the one reported.
        Assert.False(GoEnvelope.TryDecode("{\"type\":\"1\",}"u8, out _, out var error));
        Assert.StartsWith("invalid JSON", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryDecode_InvalidUtf8InsideDataString_IsAcceptedLikeGo()
    {
        byte[] body = [.. "{\"type\":1,\"data\":\"a"u8, 0xFF, .. "b\"}"u8];
        Assert.True(GoEnvelope.TryDecode(body, out var entry, out var error), error);
        Assert.Equal(5, entry.Data.Length);
    }

    [Fact]
    public void TryDecode_DeeplyNestedData_IsAcceptedLikeGo()
    {
        var body = "{\"data\":" + new string('[', 500) + new string(']', 500) + "}";
        Assert.True(GoEnvelope.TryDecode(Encoding.UTF8.GetBytes(body), out var entry, out var error), error);
        Assert.Equal(1000, entry.Data.Length);
    }

    [Fact]
    public void TryDecodeInPlace_Success_DataAliasesBody()
    {
        var body = "{\"type\":2,\"data\":{\"node_id\":9}}"u8.ToArray();
        Assert.True(GoEnvelope.TryDecodeInPlace(body, out var entry, out _));
        body[19] = (byte)'X';
        Assert.Equal("{\"Xode_id\":9}", Encoding.UTF8.GetString(entry.Data.Span));
    }

    [Fact]
    public void TryDecode_Success_DataIsACopy()
    {
        var body = "{\"type\":2,\"data\":{\"node_id\":9}}"u8.ToArray();
        Assert.True(GoEnvelope.TryDecode(body, out var entry, out _));
        body[19] = (byte)'X';
        Assert.Equal("{\"node_id\":9}", Encoding.UTF8.GetString(entry.Data.Span));
    }

    [Theory]
    [InlineData(0UL, 0, 0U, "", "{\"seq_no\":0,\"type\":0}")]
    [InlineData(7UL, 3, 0U, "null", "{\"seq_no\":7,\"type\":3,\"data\":null}")]
    [InlineData(ulong.MaxValue, 255, uint.MaxValue, "{}", "{\"seq_no\":18446744073709551615,\"type\":255,\"node_id\":4294967295,\"data\":{}}")]
    public void Encode_Entry_WritesGoMemberOrderWithOmitEmpty(ulong seqNo, byte type, uint nodeId, string data, string expected)
    {
        var buffer = new ArrayBufferWriter<byte>();
        GoEnvelope.Encode(new DeltaEntry(seqNo, (DeltaType)type, nodeId, Encoding.UTF8.GetBytes(data)), buffer);
        Assert.Equal(expected, Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    internal static void AssertEntry(ExpectedEntry expected, DeltaEntry actual)
    {
        Assert.Equal(expected.SeqNo, actual.SeqNo);
        Assert.Equal((DeltaType)expected.Type, actual.Type);
        Assert.Equal(expected.NodeId, actual.NodeId);
        Assert.Equal(expected.DataRaw is not null, actual.HasData);
        Assert.Equal(Encoding.UTF8.GetString(expected.DataRaw ?? []), Encoding.UTF8.GetString(actual.Data.Span));
    }
}

using System.Text;
using Registry.Persistence.Wal.Legacy;

namespace Registry.Persistence.Tests.Legacy;

public class GoMemberNameTests
{
    [Theory]
    [InlineData("seq_no", "seq_no", true)]
    [InlineData("SEQ_NO", "seq_no", true)]
    [InlineData("Seq_No", "seq_no", true)]
    [InlineData("\u017Feq_no", "seq_no", true)]
    [InlineData("\u017FEQ_NO", "seq_no", true)]
    [InlineData("node_\u0130d", "node_id", true)]
    [InlineData("node_\u0131d", "node_id", true)]
    [InlineData("\u212Aey", "key", true)]
    [InlineData("seq_n", "seq_no", false)]
    [InlineData("seq_noo", "seq_no", false)]
    [InlineData("seq-no", "seq_no", false)]
    [InlineData("seqno", "seq_no", false)]
    [InlineData("s\u00E9q_no", "seq_no", false)]
    [InlineData("", "type", false)]
    [InlineData("typ\u00C9", "type", false)]
    public void Matches_Name_FollowsGoFolding(string name, string field, bool matches)
    {
        Assert.Equal(matches, GoMemberName.Matches(Encoding.UTF8.GetBytes(name), Encoding.UTF8.GetBytes(field)));
    }

    [Fact]
    public void Matches_InvalidUtf8_DoesNotMatch()
    {
        Assert.False(GoMemberName.Matches([(byte)'t', 0xFF, (byte)'p', (byte)'e'], "type"u8));
    }

    [Theory]
    [InlineData("\\u0074ype", "type")]
    [InlineData("\\u212Aey", "\u212Aey")]
    [InlineData("a\\nb\\t\\\"\\\\\\/", "a\nb\t\"\\/")]
    [InlineData("\\ud83d\\ude80x", "\U0001F680x")]
    [InlineData("\\ud800x", "\uFFFDx")]
    [InlineData("\\udc00", "\uFFFD")]
    public void Unescape_EscapedName_GivesUtf8(string escaped, string expected)
    {
        Span<byte> scratch = stackalloc byte[GoMemberName.MaxNameBytes];
        var result = GoMemberName.Unescape(Encoding.UTF8.GetBytes(escaped), scratch, out var ok);
        Assert.True(ok);
        Assert.Equal(expected, Encoding.UTF8.GetString(result));
    }

    [Fact]
    public void Unescape_LongerThanScratch_Fails()
    {
        Span<byte> scratch = stackalloc byte[8];
        GoMemberName.Unescape("\\u0074ype_long"u8, scratch, out var ok);
        Assert.False(ok);
    }
}

using Registry.Persistence.Json;

namespace Registry.Persistence.Tests.Json;

public class Utf8KeyComparerTests
{
    [Fact]
    public void Compare_HalfwidthKatakanaAndEmoji_FollowsUtf8NotUtf16()
    {
        // U+FF71 < U+1F680 in code points (Go's order); UTF-16 ordinal puts the surrogate pair first.
        Assert.True(Utf8KeyComparer.Instance.Compare("ｱ-probe", "🚀-probe") < 0);
        Assert.True(StringComparer.Ordinal.Compare("ｱ-probe", "🚀-probe") > 0);
    }

    [Fact]
    public void Sort_DecimalKeys_StringOrder()
    {
        string[] keys = ["42", "3", "2", "10", "1"];

        Array.Sort(keys, Utf8KeyComparer.Instance);

        Assert.Equal(["1", "10", "2", "3", "42"], keys);
    }

    [Fact]
    public void Compare_PrefixAndNull_ShorterAndNullFirst()
    {
        Assert.True(Utf8KeyComparer.Instance.Compare("ab", "abc") < 0);
        Assert.True(Utf8KeyComparer.Instance.Compare(null, "a") < 0);
        Assert.Equal(0, Utf8KeyComparer.Instance.Compare("é", "é"));
    }

    [Fact]
    public void Sort_RandomStrings_MatchesUtf8ByteOrder()
    {
        var random = new Random(1234);
        char[] alphabet = ['a', 'Z', 'é', '\uffff', '\ue000', '\ud7ff'];
        var keys = Enumerable.Range(0, 300).Select(_ =>
        {
            var length = random.Next(0, 5);
            var text = new System.Text.StringBuilder();
            for (var i = 0; i < length; i++)
            {
                if (random.Next(4) == 0)
                {
                    text.Append(char.ConvertFromUtf32(0x10000 + random.Next(0x1000)));
                }
                else
                {
                    text.Append(alphabet[random.Next(alphabet.Length)]);
                }
            }

            return text.ToString();
        }).ToArray();

        var byUtf8 = keys.OrderBy(k => System.Text.Encoding.UTF8.GetBytes(k), Comparer<byte[]>.Create((x, y) => x.AsSpan().SequenceCompareTo(y))).ToArray();
        var byComparer = keys.Order(Utf8KeyComparer.Instance).ToArray();

        Assert.Equal(byUtf8, byComparer);
    }
}

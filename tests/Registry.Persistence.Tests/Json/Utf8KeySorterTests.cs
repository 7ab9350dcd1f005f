using System.Text;
using Registry.Persistence.Json;

namespace Registry.Persistence.Tests.Json;

public class Utf8KeySorterTests
{
    [Fact]
    public void Sort_DecimalIds_GoStringOrder()
    {
        var keys = Enumerable.Range(0, 5000).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Reverse().ToArray();

        Utf8KeySorter.Sort(keys);

        Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
    }

    [Fact]
    public void Sort_LongSharedPrefixesAndMultiByteAtByteEight_MatchesUtf8ByteOrder()
    {
        string[] keys =
        [
            "aaaaaaa\u0001", "aaaaaaaé", "aaaaaaa🚀", "aaaaaaa", "aaaaaaa\u0000", "aaaaaaaa1", "aaaaaaaa0",
            "ｱ-probe", "🚀-probe", "beacon", "", "aaaaaaaaaaaaaaaaaaaaaaa2", "aaaaaaaaaaaaaaaaaaaaaaa1",
        ];
        var expected = keys.OrderBy(k => Encoding.UTF8.GetBytes(k), Comparer<byte[]>.Create((x, y) => x.AsSpan().SequenceCompareTo(y))).ToArray();

        Utf8KeySorter.Sort(keys);

        Assert.Equal(expected, keys);
    }

    [Fact]
    public void Sort_RandomStrings_MatchesComparer()
    {
        var random = new Random(99);
        char[] alphabet = ['a', 'b', 'é', '\uffff', '\ue000', '\u0000'];
        var keys = Enumerable.Range(0, 2000).Select(_ =>
        {
            var text = new StringBuilder();
            var length = random.Next(0, 12);
            for (var i = 0; i < length; i++)
            {
                text.Append(random.Next(5) == 0 ? char.ConvertFromUtf32(0x1F600 + random.Next(16)) : alphabet[random.Next(alphabet.Length)].ToString());
            }

            return text.ToString();
        }).ToArray();
        var expected = keys.Order(Utf8KeyComparer.Instance).ToArray();

        Utf8KeySorter.Sort(keys);

        Assert.Equal(expected, keys);
    }
}

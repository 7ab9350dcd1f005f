using System.Globalization;

namespace Registry.Core.Tests;

/// <summary>The quick parse of the registry's own time form agrees with the general RFC 3339 parser.</summary>
public sealed class TimesTests
{
    private static readonly string[] Formats = ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"];

    [Fact]
    public void TryParseUtcSeconds_RandomAndDamagedTexts_AcceptsOnlyWhatTheGeneralParserAcceptsWithTheSameValue()
    {
        var random = new Random(20261127);
        const string replacements = "0123456789Zz:-T t+.x";
        var accepted = 0;
        for (var i = 0; i < 100_000; i++)
        {
            var time = new DateTimeOffset(random.NextInt64(DateTimeOffset.MinValue.UtcTicks, DateTimeOffset.MaxValue.UtcTicks), TimeSpan.Zero);
            var text = Times.Format(Times.Truncate(time)).ToCharArray();
            if (i % 2 == 1)
            {
                // Damage one or two characters: out-of-range fields (month 13, day 31 of a short month, hour 24,
                // second 60, year 0000) and separators the parsers must refuse alike.
                for (var k = random.Next(1, 3); k > 0; k--)
                {
                    text[random.Next(text.Length)] = replacements[random.Next(replacements.Length)];
                }
            }

            var candidate = new string(text);
            var general = DateTimeOffset.TryParseExact(candidate, Formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var expected);
            if (Times.TryParseUtcSeconds(candidate, out var quick))
            {
                accepted++;
                Assert.True(general, $"the quick parse accepted \"{candidate}\", the general parser does not");
                Assert.Equal(expected.ToUniversalTime(), quick);
                Assert.Equal(TimeSpan.Zero, quick.Offset);
            }
            else
            {
                // Everything the registry writes takes the quick path; the rest falls back and stays correct.
                Assert.True(i % 2 == 1, $"the quick parse refused the registry's own text \"{candidate}\"");
            }

            Assert.Equal(general ? expected.ToUniversalTime() : null, Times.Parse(candidate));
        }

        Assert.True(accepted > 50_000);
    }

    [Theory]
    [InlineData("2024-02-29T23:59:59Z", true)]
    [InlineData("2023-02-29T00:00:00Z", false)]
    [InlineData("2026-11-27T24:00:00Z", false)]
    [InlineData("2026-11-27T12:00:60Z", false)]
    [InlineData("0000-01-01T00:00:00Z", false)]
    [InlineData("2026-11-27T12:00:00z", false)]
    public void TryParseUtcSeconds_EdgeTexts(string text, bool parses)
    {
        Assert.Equal(parses, Times.TryParseUtcSeconds(text, out _));
        Assert.Equal(parses, Times.Parse(text) is not null);
    }
}

using System.Text;
using System.Text.Json;
using Registry.Persistence.Snapshots;

namespace Registry.Persistence.Tests.Snapshots;

public class SnapshotChecksumTests
{
    [Fact]
    public void ComputeFromSealed_GoFixture_MatchesStoredChecksumAndOffset()
    {
        var file = File.ReadAllBytes(Fixtures.Go("snapshot-small.json"));
        using var expected = JsonDocument.Parse(File.ReadAllBytes(Fixtures.Go("snapshot-expected.json")));
        var e = expected.RootElement;

        Assert.Equal(e.GetProperty("checksum").GetString(), SnapshotChecksum.ComputeFromSealed(file));
        Assert.Equal(e.GetProperty("checksum_member_offset").GetInt32(), file.Length - SnapshotChecksum.TrailerLength);
        Assert.Equal(e.GetProperty("unsigned_body_length").GetInt32(), file.Length - SnapshotChecksum.TrailerLength + 1);
    }

    [Fact]
    public void WriteTrailer_ThenTryParse_RoundTrips()
    {
        var hex = new string('0', 63) + "f";
        var buffer = new byte[SnapshotChecksum.TrailerLength];

        var length = SnapshotChecksum.WriteTrailer(hex, buffer);

        Assert.Equal(79, length);
        Assert.Equal(",\"checksum\":\"" + hex + "\"}", Encoding.ASCII.GetString(buffer));
        Assert.True(SnapshotChecksum.TryParseTrailer(buffer, out var parsed));
        Assert.Equal(hex, parsed);
    }

    [Theory]
    [InlineData(",\"checksum\":\"ABCDEF0000000000000000000000000000000000000000000000000000000000\"}")]
    [InlineData(",\"Checksum\":\"abcdef0000000000000000000000000000000000000000000000000000000000\"}")]
    [InlineData(",\"checksum\":\"abcdef000000000000000000000000000000000000000000000000000000000g\"}")]
    [InlineData(",\"checksum\":\"abcdef0000000000000000000000000000000000000000000000000000000000\" ")]
    public void TryParseTrailer_NonCanonical_ReturnsFalse(string tail)
    {
        Assert.False(SnapshotChecksum.TryParseTrailer(Encoding.ASCII.GetBytes(tail), out _));
    }

    [Fact]
    public void ComputeFromSealed_NoTrailer_ReturnsNull()
    {
        Assert.Null(SnapshotChecksum.ComputeFromSealed(File.ReadAllBytes(Fixtures.Go("snapshot-legacy-v0.json"))));
    }
}

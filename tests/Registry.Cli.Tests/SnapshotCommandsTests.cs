using System.Text.Json;

namespace Registry.Cli.Tests;

public class SnapshotCommandsTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "go", name);

    [Fact]
    public void Verify_GoSmallFixtureJson_ReportsVerifiedCounts()
    {
        var (exit, output, _) = CliRunner.Run("snapshot", "verify", Fixture("snapshot-small.json"), "--json");

        Assert.Equal(0, exit);
        using var doc = JsonDocument.Parse(output);
        var r = doc.RootElement;
        Assert.Equal(1, r.GetProperty("version").GetInt32());
        Assert.False(r.GetProperty("legacy").GetBoolean());
        Assert.True(r.GetProperty("checksum_ok").GetBoolean());
        Assert.Equal("b6edfccb5202c6123e11e9df8437b049cbf275ababf501e624c7f2ec8920c99f", r.GetProperty("checksum").GetString());
        Assert.Equal(5, r.GetProperty("nodes").GetInt32());
        Assert.Equal(3, r.GetProperty("networks").GetInt32());
        Assert.Equal(3, r.GetProperty("trust_pairs").GetInt32());
        Assert.Equal(43, r.GetProperty("next_node").GetInt32());
        Assert.Equal(13, r.GetProperty("next_net").GetInt32());
        Assert.False(r.TryGetProperty("error", out _));
    }

    [Fact]
    public void Verify_BadChecksumFixtureJson_ExitsOneWithError()
    {
        var (exit, output, err) = CliRunner.Run("snapshot", "verify", Fixture("snapshot-bad-checksum.json"), "--json");

        Assert.Equal(1, exit);
        using var doc = JsonDocument.Parse(output);
        Assert.False(doc.RootElement.GetProperty("checksum_ok").GetBoolean());
        Assert.Contains("8aaf467c", doc.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("snapshot-bad-checksum.json", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_LegacyFixtureJson_ExitsZeroAsLegacy()
    {
        var (exit, output, _) = CliRunner.Run("snapshot", "verify", Fixture("snapshot-legacy-v0.json"), "--json");

        Assert.Equal(0, exit);
        using var doc = JsonDocument.Parse(output);
        var r = doc.RootElement;
        Assert.Equal(0, r.GetProperty("version").GetInt32());
        Assert.True(r.GetProperty("legacy").GetBoolean());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("checksum_ok").ValueKind);
        Assert.Equal(3, r.GetProperty("nodes").GetInt32());
        Assert.Equal(2, r.GetProperty("networks").GetInt32());
        Assert.Equal(1, r.GetProperty("trust_pairs").GetInt32());
    }

    [Fact]
    public void Verify_TruncatedFile_ExitsOne()
    {
        var dir = Directory.CreateTempSubdirectory("registry-cli-test-");
        try
        {
            var path = Path.Combine(dir.FullName, "cut.json");
            File.WriteAllBytes(path, File.ReadAllBytes(Fixture("snapshot-small.json"))[..3000]);

            var (exit, output, _) = CliRunner.Run("snapshot", "verify", path);

            Assert.Equal(1, exit);
            Assert.Contains("DAMAGED", output, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Verify_MissingFile_ExitsOne()
    {
        var (exit, _, err) = CliRunner.Run("snapshot", "verify", Path.Combine(AppContext.BaseDirectory, "no-such-snapshot.json"), "--json");

        Assert.Equal(1, exit);
        Assert.Contains("no-such-snapshot.json", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_NoFileArgument_ExitsTwo()
    {
        var (exit, _, _) = CliRunner.Run("snapshot", "verify");

        Assert.Equal(2, exit);
    }

    [Fact]
    public void Show_GoSmallFixture_PrintsSummary()
    {
        var (exit, output, _) = CliRunner.Run("snapshot", "show", Fixture("snapshot-small.json"));

        Assert.Equal(0, exit);
        Assert.Contains("nodes:         5  ids: 1,2,3,10,42", output, StringComparison.Ordinal);
        Assert.Contains("networks:      3  ids: 0,3,12", output, StringComparison.Ordinal);
        Assert.Contains("handshakes 2 in 2", output, StringComparison.Ordinal);
        Assert.Contains("audit log:     5", output, StringComparison.Ordinal);
        Assert.Matches(@"largest networks:\n\s+0\s+5 members", output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Show_GoSmallFixtureJson_PrintsSnapshotSchemaByteExact()
    {
        var (exit, output, _) = CliRunner.Run("snapshot", "show", Fixture("snapshot-small.json"), "--json");

        Assert.Equal(0, exit);
        Assert.Equal(File.ReadAllText(Fixture("snapshot-small.json")), output.TrimEnd('\n', '\r'));
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("café-日本-🚀", doc.RootElement.GetProperty("nodes").GetProperty("3").GetProperty("hostname").GetString());
    }

    [Fact]
    public void Show_BadChecksum_ExitsOne()
    {
        var (exit, _, err) = CliRunner.Run("snapshot", "show", Fixture("snapshot-bad-checksum.json"));

        Assert.Equal(1, exit);
        Assert.Contains("ChecksumMismatch", err, StringComparison.Ordinal);
    }
}

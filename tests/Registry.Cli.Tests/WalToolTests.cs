using System.Text.Json;
using System.Text.Json.Nodes;

namespace Registry.Cli.Tests;

public class WalToolTests
{
    private static readonly string[] Fixtures = ["wal-basic", "wal-torn-tail", "wal-torn-header", "wal-corrupt-middle", "wal-oversize", "wal-edge-cases"];

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "go", name);

    public static TheoryData<string> FixtureNames() => new(Fixtures);

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void DumpJson_GoFixture_MatchesExpectedEntries(string name)
    {
        var expected = JsonNode.Parse(File.ReadAllText(Fixture(name + ".expected.json")))!;
        var (exit, output, err) = CliRunner.Run("wal", "dump", Fixture(name + ".wal"), "--json");

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        var entries = expected["entries"]!.AsArray();
        Assert.Equal(entries.Count, lines.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            foreach (var member in new[] { "offset", "length", "seq_no", "type", "node_id" })
            {
                Assert.Equal(entries[i]![member]!.GetValue<long>(), lines[i][member]!.GetValue<long>());
            }

            Assert.True(JsonNode.DeepEquals(entries[i]!["data"], lines[i]["data"]), $"entry {i} data differs");
        }

        var intact = expected["skipped"]!.AsArray().Count == 0 && expected["unconsumed_tail_bytes"]!.GetValue<long>() == 0 && expected["original_replay"]!["error"] is null;
        Assert.Equal(intact ? 0 : 1, exit);
        Assert.Equal(intact, err.Length == 0);
    }

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void VerifyJson_GoFixture_ReportsCountsAndDamage(string name)
    {
        var expected = JsonNode.Parse(File.ReadAllText(Fixture(name + ".expected.json")))!;
        var (exit, output, _) = CliRunner.Run("wal", "verify", Fixture(name + ".wal"), "--json");
        var report = JsonNode.Parse(output)!;

        Assert.Equal("legacy", report["format"]!.GetValue<string>());
        Assert.Equal(expected["entries"]!.AsArray().Count, report["entries"]!.GetValue<int>());
        Assert.Equal(expected["file_size"]!.GetValue<long>(), report["file_bytes"]!.GetValue<long>());
        Assert.Equal(expected["file_size"]!.GetValue<long>() - expected["unconsumed_tail_bytes"]!.GetValue<long>(), report["valid_bytes"]!.GetValue<long>());
        var problems = report["problems"]!.AsArray();
        Assert.Equal(expected["skipped"]!.AsArray().Count, problems.Count(p => p!["kind"]!.GetValue<string>() == "skipped_record"));
        Assert.Equal(problems.Count == 0 ? 0 : 1, exit);
        Assert.Equal(name is "wal-torn-tail" or "wal-torn-header", report["torn_tail"]!.GetValue<bool>());
    }

    [Fact]
    public void Repair_GoTornTail_CutsIntoSideFileAndThenVerifies()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("registry.json.wal");
        File.Copy(Fixture("wal-torn-tail.wal"), path);

        var (exit, output, _) = CliRunner.Run("wal", "repair", path);
        Assert.Equal(0, exit);
        Assert.Contains("cut 41 bytes", output, StringComparison.Ordinal);
        Assert.Equal(3694, new FileInfo(path).Length);
        var side = Directory.GetFiles(dir.Path, "registry.json.wal.torn-*").Single();
        Assert.Equal(File.ReadAllBytes(Fixture("wal-torn-tail.wal"))[3694..], File.ReadAllBytes(side));
        Assert.Equal(0, CliRunner.Run("wal", "verify", path).Exit);
    }

    [Fact]
    public void Repair_GoOversize_RefusedUnlessRecoverPrefix()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("registry.json.wal");
        File.Copy(Fixture("wal-oversize.wal"), path);

        var (exit, _, err) = CliRunner.Run("wal", "repair", path);
        Assert.Equal(1, exit);
        Assert.Contains("--recover-prefix", err, StringComparison.Ordinal);
        Assert.Equal(1710, new FileInfo(path).Length);

        Assert.Equal(0, CliRunner.Run("wal", "repair", path, "--recover-prefix").Exit);
        Assert.Equal(1552, new FileInfo(path).Length);
        Assert.Equal(0, CliRunner.Run("wal", "verify", path).Exit);
    }

    [Fact]
    public void Convert_GoBasic_DumpOfResultYieldsSameEntriesNumberedFromOne()
    {
        using var dir = new TempDirectory();
        var target = dir.Combine("wal");
        var (exit, output, _) = CliRunner.Run("wal", "convert", Fixture("wal-basic.wal"), target);
        Assert.Equal(0, exit);
        Assert.Contains("converted 30 entries", output, StringComparison.Ordinal);

        var original = DumpLines(Fixture("wal-basic.wal"));
        var converted = DumpLines(target);
        Assert.Equal(30, converted.Count);
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(i + 1, converted[i]["seq_no"]!.GetValue<long>());
            Assert.Equal(original[i]["type"]!.GetValue<int>(), converted[i]["type"]!.GetValue<int>());
            Assert.Equal(original[i]["node_id"]!.GetValue<long>(), converted[i]["node_id"]!.GetValue<long>());
            Assert.True(JsonNode.DeepEquals(original[i]["data"], converted[i]["data"]));
        }

        var verify = JsonNode.Parse(CliRunner.Run("wal", "verify", target, "--json").Out)!;
        Assert.Equal("pilotwal-v1", verify["format"]!.GetValue<string>());
        Assert.Equal(30, verify["last_seq"]!.GetValue<int>());
    }

    [Fact]
    public void Verify_NewFormatWithCorruptMiddle_ReportsCorruptionAndRepairRefuses()
    {
        using var dir = new TempDirectory();
        var target = dir.Combine("wal");
        Assert.Equal(0, CliRunner.Run("wal", "convert", Fixture("wal-basic.wal"), target).Exit);
        var segment = Directory.GetFiles(target, "*.wal").Single();
        var bytes = File.ReadAllBytes(segment);
        bytes[600] ^= 0x10;
        File.WriteAllBytes(segment, bytes);

        var (exit, output, _) = CliRunner.Run("wal", "verify", target, "--json");
        Assert.Equal(1, exit);
        var report = JsonNode.Parse(output)!;
        Assert.False(report["torn_tail"]!.GetValue<bool>());
        Assert.Equal("corruption", report["problems"]![0]!["kind"]!.GetValue<string>());

        var dump = CliRunner.Run("wal", "dump", target, "--json");
        Assert.Equal(1, dump.Exit);
        Assert.True(dump.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length > 0, "entries before the damage are still printed");
        Assert.Contains("corruption", dump.Err, StringComparison.Ordinal);

        Assert.Equal(1, CliRunner.Run("wal", "repair", target).Exit);
        Assert.Equal(bytes.Length, new FileInfo(segment).Length);
    }

    [Fact]
    public void Tools_MissingPathOrBadArguments_ExitTwo()
    {
        Assert.Equal(2, CliRunner.Run("wal", "verify", "/nonexistent/path").Exit);
        Assert.Equal(2, CliRunner.Run("wal", "dump").Exit);
        Assert.Equal(2, CliRunner.Run("wal", "verify", "x", "--bogus").Exit);
    }

    private static List<JsonNode> DumpLines(string path) =>
        CliRunner.Run("wal", "dump", path, "--json").Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
}

using System.Text;
using System.Text.Json;
using Registry.Persistence.Snapshots;

namespace Registry.Persistence.Tests.Snapshots;

public class SnapshotReaderTests
{
    private static JsonElement Expected => JsonDocument.Parse(File.ReadAllBytes(Fixtures.Go("snapshot-expected.json"))).RootElement;

    [Fact]
    public void Read_GoSmallFixture_VerifiesChecksum()
    {
        var file = SnapshotReader.Read(Fixtures.Go("snapshot-small.json"));

        Assert.Equal(1, file.Version);
        Assert.False(file.IsLegacy);
        Assert.True(file.ChecksumVerified);
        Assert.Equal(Expected.GetProperty("checksum").GetString(), file.Checksum);
        Assert.Equal(Expected.GetProperty("file_size").GetInt64(), file.Length);
        Assert.Equal(0UL, file.WalSeq);
    }

    [Fact]
    public void Read_GoSmallFixture_MatchesExpectedCountsAndKeyOrder()
    {
        var s = SnapshotReader.Read(Fixtures.Go("snapshot-small.json")).Snapshot;
        var e = Expected;

        Assert.Equal(e.GetProperty("next_node").GetUInt32(), s.NextNode);
        Assert.Equal(e.GetProperty("next_net").GetUInt16(), s.NextNet);
        Assert.Equal(e.GetProperty("node_count").GetInt32(), s.Nodes!.Count);
        Assert.Equal(e.GetProperty("network_count").GetInt32(), s.Networks!.Count);
        Assert.Equal(e.GetProperty("trust_pair_count").GetInt32(), s.TrustPairs!.Count);
        Assert.Equal(e.GetProperty("pub_key_idx_count").GetInt32(), s.PubKeyIdx!.Count);
        Assert.Equal(e.GetProperty("audit_log_count").GetInt32(), s.AuditLog!.Count);
        Assert.Equal(Strings(e.GetProperty("node_keys_in_file_order")), s.Nodes.Keys.Order(Registry.Persistence.Json.Utf8KeyComparer.Instance));
        Assert.Equal(Strings(e.GetProperty("network_keys_in_file_order")), s.Networks.Keys.Order(Registry.Persistence.Json.Utf8KeyComparer.Instance));
        Assert.Equal(Strings(e.GetProperty("probe_state_keys_in_file_order")), s.ProbeStates!.Keys.Order(Registry.Persistence.Json.Utf8KeyComparer.Instance));
    }

    [Fact]
    public void Read_GoSmallFixture_MatchesEveryExpectedValue()
    {
        var s = SnapshotReader.Read(Fixtures.Go("snapshot-small.json")).Snapshot;
        var values = Expected.GetProperty("values");
        string V(string name) => values.GetProperty(name).GetString()!;

        Assert.Equal(V("handshake_inbox.10[0].justification"), s.HandshakeInbox!["10"]![0].Justification);
        Assert.Equal(V("handshake_inbox.10[0].timestamp"), s.HandshakeInbox["10"]![0].Timestamp);
        Assert.Equal(V("handshake_inbox.3[0].timestamp"), s.HandshakeInbox["3"]![0].Timestamp);
        Assert.Equal(V("handshake_responses.42[1].timestamp"), s.HandshakeResponses!["42"]![1].Timestamp);
        Assert.Equal("absent", V("hourly_history[1].trust_links(omitted)"));
        Assert.Equal(0, s.HourlyHistory![1].TrustLinks);
        Assert.Equal(V("idp_config.url"), s.IdpConfig!.Url);
        Assert.Equal(V("invite_inbox.10[0].timestamp"), s.InviteInbox!["10"]![0].Timestamp);
        Assert.Equal("null", V("networks.12.members"));
        Assert.Null(s.Networks!["12"].Members);
        Assert.Equal(V("networks.3.policy.description"), s.Networks["3"].Policy!.Description);
        Assert.Equal(V("nodes.1.public_key"), s.Nodes!["1"].PublicKey);
        Assert.Equal(V("nodes.2.key_rot_count"), s.Nodes["2"].KeyRotCount.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(V("nodes.2.owner"), s.Nodes["2"].Owner);
        Assert.Equal(V("nodes.3.hostname"), s.Nodes["3"].Hostname);
        Assert.Equal(V("nodes.3.last_seen"), s.Nodes["3"].LastSeen);
        Assert.Equal(V("nodes.42.hostname"), s.Nodes["42"].Hostname);
        Assert.Equal(V("start_time"), s.StartTime);
        Assert.Equal(V("total_requests"), s.TotalRequests.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(V("unique_tags"), s.UniqueTags.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // The raw value is kept as in the file; the file's form is already compact and escaped.
        Assert.Equal(V("networks.3.expr_policy(raw in file)"), Encoding.UTF8.GetString(s.Networks["3"].ExprPolicy!));
    }

    [Fact]
    public void Read_BadChecksumFixture_RefusedNamingFileAndBothChecksums()
    {
        var path = Fixtures.Go("snapshot-bad-checksum.json");
        var bad = Expected.GetProperty("bad_checksum_fixture");

        var ex = Assert.Throws<SnapshotCorruptException>(() => SnapshotReader.Read(path));

        Assert.Equal(SnapshotProblem.ChecksumMismatch, ex.Problem);
        Assert.Equal(path, ex.FilePath);
        Assert.Contains(bad.GetProperty("stored_checksum").GetString()!, ex.Message, StringComparison.Ordinal);
        Assert.Contains(bad.GetProperty("recomputed_checksum").GetString()!, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_LegacyFixture_LoadsUnverifiedAsVersionZero()
    {
        var file = SnapshotReader.Read(Fixtures.Go("snapshot-legacy-v0.json"));

        Assert.True(file.IsLegacy);
        Assert.Equal(0, file.Version);
        Assert.Null(file.Checksum);
        Assert.False(file.ChecksumVerified);
        Assert.Equal(3, file.Snapshot.Nodes!.Count);
        Assert.Equal(2, file.Snapshot.Networks!.Count);
        Assert.Null(file.Snapshot.Nodes["3"].LastSeen);
        Assert.Equal([2u, 1u], file.Snapshot.Networks["1"].Members!);
    }

    [Fact]
    public void Read_TruncatedAtEveryTenthByte_AlwaysRefused()
    {
        using var dir = new TempDirectory();
        var bytes = File.ReadAllBytes(Fixtures.Go("snapshot-small.json"));
        var path = dir.Combine("t.json");
        for (var length = 0; length < bytes.Length; length += 10)
        {
            File.WriteAllBytes(path, bytes[..length]);
            var ex = Assert.Throws<SnapshotCorruptException>(() => SnapshotReader.Read(path));
            Assert.Equal(path, ex.FilePath);
        }
    }

    [Fact]
    public void Read_EveryBitFlipInBody_Refused()
    {
        using var dir = new TempDirectory();
        var bytes = File.ReadAllBytes(Fixtures.Go("snapshot-small.json"));
        var path = dir.Combine("flip.json");
        for (var offset = 0; offset < bytes.Length; offset += 7)
        {
            var copy = (byte[])bytes.Clone();
            copy[offset] ^= 0x01;
            File.WriteAllBytes(path, copy);
            Assert.Throws<SnapshotCorruptException>(() => SnapshotReader.Read(path));
        }
    }

    [Theory]
    [InlineData("{\"version\":1,\"nodes\":{\"5\":null},\"networks\":{}}", SnapshotProblem.NullEntry)]
    [InlineData("{\"version\":1,\"nodes\":{},\"networks\":{\"5\":null}}", SnapshotProblem.NullEntry)]
    [InlineData("{\"version\":1,\"nodes\":{},\"networks\":{}}", SnapshotProblem.MissingChecksum)]
    [InlineData("{\"version\":2,\"nodes\":{},\"networks\":{}}", SnapshotProblem.UnknownVersion)]
    [InlineData("{\"version\":-1}", SnapshotProblem.UnknownVersion)]
    [InlineData("{\"version\":1.0}", SnapshotProblem.Undecodable)]
    [InlineData("{\"next_net\":70000}", SnapshotProblem.Undecodable)]
    [InlineData("{\"next_node\":\"1\"}", SnapshotProblem.Undecodable)]
    [InlineData("{} x", SnapshotProblem.Undecodable)]
    [InlineData("null", SnapshotProblem.Undecodable)]
    [InlineData("", SnapshotProblem.Undecodable)]
    [InlineData("[]", SnapshotProblem.Undecodable)]
    [InlineData("\uFEFF{}", SnapshotProblem.Undecodable)]
    [InlineData("{\"invite_inbox\":{\"1\":[{\"timestamp\":\"2026-05-12 09:00:00Z\"}]}}", SnapshotProblem.InvalidTime)]
    [InlineData("{\"handshake_inbox\":{\"1\":[{\"timestamp\":\"2026-02-30T09:00:00Z\"}]}}", SnapshotProblem.InvalidTime)]
    [InlineData("{\"version\":1,\"checksum\":\"abc\"}", SnapshotProblem.MalformedChecksum)]
    public void Read_InvalidDocument_RefusedWithProblem(string json, SnapshotProblem problem)
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("s.json");
        File.WriteAllBytes(path, Encoding.UTF8.GetBytes(json));

        var ex = Assert.Throws<SnapshotCorruptException>(() => SnapshotReader.Read(path));

        Assert.Equal(problem, ex.Problem);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_GoDecodingRules_CaseInsensitiveLastDuplicateWinsUnknownIgnored()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("s.json");
        File.WriteAllText(path, "{\"NEXT_NODE\":5,\"next_node\":6,\"Nodes\":{\"1\":{\"ID\":1},\"1\":{\"id\":2}},\"unknown\":[1,{\"x\":2}],\"downtime_intervals\":[[1,2,3],[4]]}");

        var s = SnapshotReader.Read(path).Snapshot;

        Assert.Equal(6u, s.NextNode);
        Assert.Equal(2u, s.Nodes!["1"].Id);
        Assert.Equal([new(1, 2), new(4, 0)], s.DowntimeIntervals!);
    }

    [Fact]
    public void Read_WhitespaceBeforeCanonicalTrailer_StillVerifiesBySplice()
    {
        using var dir = new TempDirectory();
        var body = "{ \"version\" : 1 ,\"nodes\":{},\"networks\":{}}"u8.ToArray();
        var checksum = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body));
        var path = dir.Combine("s.json");
        File.WriteAllBytes(path, [.. body[..^1], .. Encoding.ASCII.GetBytes($",\"checksum\":\"{checksum}\"}}")]);

        Assert.Equal(checksum, SnapshotReader.Read(path).Checksum);
    }

    [Fact]
    public void Read_ChecksumNotLast_RefusedAsMalformed()
    {
        using var dir = new TempDirectory();
        var checksum = new string('a', 64);
        var path = dir.Combine("s.json");
        File.WriteAllText(path, $"{{\"version\":1,\"checksum\":\"{checksum}\",\"nodes\":{{}}}}");

        var ex = Assert.Throws<SnapshotCorruptException>(() => SnapshotReader.Read(path));

        Assert.Equal(SnapshotProblem.MalformedChecksum, ex.Problem);
    }

    [Fact]
    public void Read_MissingFile_RefusedAsUnreadable()
    {
        using var dir = new TempDirectory();

        var ex = Assert.Throws<SnapshotCorruptException>(() => SnapshotReader.Read(dir.Combine("none.json")));

        Assert.Equal(SnapshotProblem.Unreadable, ex.Problem);
    }

    [Fact]
    public void Read_NodeMembers_GoNullEscapedNameAndUnknownRules()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("s.json");
        File.WriteAllText(path, "{\"nodes\":{\"7\":{\"\\u0069d\":7,\"Hostname\":\"h\",\"hostname\":null,\"tags\":[\"a\"],\"TAGS\":null,\"x\":{\"deep\":[1,{\"y\":null}]},\"networks\":[],\"lan_addrs\":[null,\"l\"],\"key_rot_count\":3}}}");

        var node = SnapshotReader.Read(path).Snapshot.Nodes!["7"];

        Assert.Equal(7u, node.Id);
        Assert.Equal("h", node.Hostname);
        Assert.Null(node.Tags);
        Assert.NotNull(node.Networks);
        Assert.Empty(node.Networks);
        Assert.Equal(["", "l"], node.LanAddrs!);
        Assert.Equal(3, node.KeyRotCount);
    }

    [Theory]
    [InlineData("{\"nodes\":{\"1\":{\"id\":-1}}}")]
    [InlineData("{\"nodes\":{\"1\":{\"id\":4294967296}}}")]
    [InlineData("{\"nodes\":{\"1\":{\"id\":\"1\"}}}")]
    [InlineData("{\"nodes\":{\"1\":{\"public\":1}}}")]
    [InlineData("{\"nodes\":{\"1\":{\"networks\":[70000]}}}")]
    [InlineData("{\"nodes\":{\"1\":{\"tags\":\"gpu\"}}}")]
    [InlineData("{\"nodes\":{\"1\":[]}}")]
    [InlineData("{\"networks\":{\"1\":{\"member_roles\":{\"1\":5}}}}")]
    public void Read_NodeOrNetworkTypeMismatch_RefusedAsUndecodable(string json)
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("s.json");
        File.WriteAllText(path, json);

        var ex = Assert.Throws<SnapshotCorruptException>(() => SnapshotReader.Read(path));

        Assert.Equal(SnapshotProblem.Undecodable, ex.Problem);
    }

    [Fact]
    public void Read_RepeatedValues_ShareOneInstance()
    {
        var s = SnapshotReader.Read(Fixtures.Go("snapshot-small.json")).Snapshot;

        Assert.Same(s.Nodes!["1"].Version, s.Nodes["2"].Version);
        Assert.Same(s.Nodes["1"].Tags![0], s.Nodes["42"].Tags![0]);
    }

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];
}
